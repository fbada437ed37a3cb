"""Holiday greetings: a segment greeted on 春节, 中秋, 国庆… every year, by email or SMS.

The dates of the lunar festivals come from ``lunardate`` (a maintained package with the
Chinese calendar's tables); the solar ones are fixed days. On the day, from the
greeting's time of day, the hourly job sends each active greeting once (a run unique per
greeting and date): an email greeting becomes a base email blast sent at once (its
report, unsubscribe links and opening count are base's), an SMS greeting is queued like
an SMS blast (:mod:`.services`).
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.mail import blasts as base_blasts
from addons.base.mail.models import Blast
from addons.base.mail.services import MailError
from core.db import utcnow
from core.i18n import _
from core.security.access import Access
from core.security.models import User

from . import services
from .models import Greeting, MessageRun

#: key -> (title, calendar, month, day); ``lunar`` dates are converted for each year.
HOLIDAYS: dict[str, tuple[Any, str, int, int]] = {
    "new_year": (_("New Year's Day"), "solar", 1, 1),
    "new_years_eve": (_("Chinese New Year's Eve"), "eve", 1, 1),
    "spring_festival": (_("Spring Festival"), "lunar", 1, 1),
    "lantern": (_("Lantern Festival"), "lunar", 1, 15),
    "womens_day": (_("Women's Day"), "solar", 3, 8),
    "labour_day": (_("Labour Day"), "solar", 5, 1),
    "dragon_boat": (_("Dragon Boat Festival"), "lunar", 5, 5),
    "qixi": (_("Qixi Festival"), "lunar", 7, 7),
    "teachers_day": (_("Teachers' Day"), "solar", 9, 10),
    "mid_autumn": (_("Mid-Autumn Festival"), "lunar", 8, 15),
    "national_day": (_("National Day"), "solar", 10, 1),
    "double_ninth": (_("Double Ninth Festival"), "lunar", 9, 9),
}


def holiday_titles(request=None) -> list[tuple[str, Any]]:
    return [(key, title) for key, (title, _kind, _m, _d) in HOLIDAYS.items()]


def holiday_date(key: str, year: int) -> dt.date:
    """The day of holiday ``key`` in Gregorian ``year`` (中秋 2026 → 2026-09-25)."""
    _title, kind, month, day = HOLIDAYS[key]
    if kind == "solar":
        return dt.date(year, month, day)
    from lunardate import LunarDate

    if kind == "eve":  # the last day of the lunar year: the day before the next one's first
        return LunarDate(year, 1, 1).to_solar_date() - dt.timedelta(days=1)
    return LunarDate(year, month, day).to_solar_date()


def next_date(key: str, today: dt.date) -> dt.date:
    """The holiday's next day, ``today`` included."""
    this_year = holiday_date(key, today.year)
    return this_year if this_year >= today else holiday_date(key, today.year + 1)


def local_now(now: dt.datetime, settings) -> dt.datetime:
    tz = ZoneInfo(str((settings or {}).get("zhanggui.timezone") or "Asia/Shanghai"))
    return now.replace(tzinfo=dt.UTC).astimezone(tz)


def _time(greeting: Greeting) -> dt.time:
    try:
        hour, minute = (int(p) for p in (greeting.time_of_day or "09:00").split(":", 1))
        return dt.time(hour, minute)
    except ValueError:
        return dt.time(9, 0)


def check(greeting: Greeting, hook) -> None:
    """Refuse (MailError) a greeting that cannot go out: SMS without a gateway, email without a template."""
    if greeting.channel == services.SMS:
        services.require_sms(hook)
        if not (greeting.text or "").strip():
            raise MailError(_("Write the message first."))
    elif greeting.template_id is None:
        raise MailError(_("Choose an email template first."))


def send(session: Session, greeting: Greeting, day: dt.date, hook, now: dt.datetime | None = None,
         settings=None) -> MessageRun:
    """Send the greeting as the run of ``day`` (unique: IntegrityError when that day was sent)."""
    now = now or utcnow()
    check(greeting, hook)
    owner = session.get(User, greeting.owner_id) if greeting.owner_id else None
    # A segment filtering on something its list lost is refused before anything is written.
    services.segment_select(session, greeting.segment, Access(session, owner))
    run = MessageRun(greeting_id=greeting.id, channel=greeting.channel, period=day.isoformat(), started_at=now,
                     records=0, queued=0, opted_out=0, no_address=0, duplicates=0)
    session.add(run)
    session.flush()
    if greeting.channel == services.SMS:
        services.queue_sms(session, run, greeting.segment, greeting.text, owner)
    else:
        blast = Blast(name=f"{greeting.name} {day.isoformat()}"[:100], template_id=greeting.template_id,
                      segment_id=greeting.segment_id, schedule="now", period="", time_of_day="09:00",
                      state="draft", owner_id=greeting.owner_id, department_id=greeting.department_id)
        session.add(blast)
        session.flush()
        sent = base_blasts.send_now(session, blast, now=now, settings=settings)
        run.email_blast_id = blast.id
        for key in ("records", "queued", "opted_out", "no_address", "duplicates"):
            setattr(run, key, getattr(sent, key))
    greeting.last_sent_on = day
    session.flush()
    return run


def run_due(session: Session, hook, now: dt.datetime | None = None, settings=None) -> list[MessageRun]:
    """Send every active greeting whose holiday is today (local) and whose time has come; once a day.

    A greeting that cannot go out (SMS without a gateway, an email greeting on a segment base
    cannot resolve) is skipped and tried at the next run.
    """
    now = now or utcnow()
    local = local_now(now, settings)
    today = local.date()
    runs = []
    for greeting in session.scalars(sa.select(Greeting).where(Greeting.active.is_(True)).order_by(Greeting.id)):
        if greeting.holiday not in HOLIDAYS or holiday_date(greeting.holiday, today.year) != today:
            continue
        if local.time() < _time(greeting):
            continue
        done = session.scalar(sa.select(MessageRun.id).where(MessageRun.greeting_id == greeting.id,
                                                             MessageRun.period == today.isoformat()))
        if done is not None:
            continue
        try:
            # Refusals happen before anything is written: the others still go out.
            runs.append(send(session, greeting, today, hook, now=now, settings=settings))
        except MailError:
            continue
    return runs


def report(session: Session, greeting: Greeting) -> dict[str, int]:
    """Counts over every run of the greeting (email runs: their base blasts' delivery states)."""
    sms_runs = [r for r in greeting.runs if r.channel == services.SMS]
    out = services.report(session, sms_runs)
    for run in greeting.runs:
        if run.channel != services.SMS and run.email_blast_id:
            blast = session.get(Blast, run.email_blast_id)
            if blast is None:
                continue
            counts = base_blasts.report(session, blast)
            for key, value in counts.items():
                if key in out:
                    out[key] += value
    return out
