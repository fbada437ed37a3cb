"""The business rules of partners and contacts, callable without a request (pages, API, demo, tests)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.i18n import _
from core.records import ValidationFailed
from core.search import sync as search_sync

from .. import sequences
from .models import ROLES, BankAccount, Contact, Partner, Tag

#: The numbering sequence of partner codes (created by the addon_data hook).
SEQUENCE = "base.partner"

_PARTNER_FIELDS = ("name", "short_name", "is_customer", "is_supplier", "is_channel", "customer_category_id",
                   "supplier_category_id", "channel_category_id", "industry_id", "source_id", "phone", "mobile",
                   "fax", "email", "website", "tax_number", "country", "province", "city", "district", "street",
                   "note", "active")
_ADDRESS = ("country", "province", "city", "district", "street")


def ensure_partner_sequence(session: Session):
    """The ``base.partner`` numbering (BP000001…), created once; administrators may change it."""
    return sequences.ensure_sequence(session, SEQUENCE, "Partners", prefix="BP", padding=6)


def _set_partner(session: Session, partner: Partner, appstruct: Mapping[str, Any]) -> None:
    for key in _PARTNER_FIELDS:
        if key in appstruct:
            setattr(partner, key, appstruct[key])
    # A category of a role the partner does not have would show up in lists filtered by it.
    for flag, category, _role in ROLES:
        if not getattr(partner, flag):
            setattr(partner, category, None)
    partner.country = partner.country or "CN"
    if partner.country != "CN":
        partner.province = partner.city = partner.district = ""
    if "tag_ids" in appstruct:
        ids = set(appstruct["tag_ids"] or ())
        partner.tags = list(session.scalars(sa.select(Tag).where(Tag.id.in_(ids)))) if ids else []


def create_partner(session: Session, appstruct: Mapping[str, Any], user=None) -> Partner:
    """A new partner; its code is the one typed (if the numbering allows it) or the next number."""
    if not any(appstruct.get(flag) for flag, _c, _r in ROLES):
        raise ValidationFailed({"is_customer": _("Choose at least one role: customer, supplier or channel "
                                                 "partner.")})
    ensure_partner_sequence(session)
    partner = Partner(code="")
    _set_partner(session, partner, appstruct)
    partner.code = sequences.assign_number(session, SEQUENCE, Partner.code, appstruct.get("code"), field="code")
    if appstruct.get("owner_id"):
        partner.owner_id = appstruct["owner_id"]
    session.add(partner)
    return partner


def create_partners(session: Session, appstructs: list[Mapping[str, Any]], user=None) -> list:
    """Many new partners (an import's batch): :func:`create_partner` for each, numbered together.

    One result per appstruct, in order: the partner (added to the session) or the
    ValidationFailed that create_partner would have raised. Typed codes are checked in
    one query and the others take their numbers in one statement
    (``sequences.assign_numbers``), stepping over the typed ones; partners of the same
    batch are not compared with each other otherwise (the unique index on the code is).
    """
    results: list = []
    typed: dict[int, str] = {}
    for i, appstruct in enumerate(appstructs):
        if not any(appstruct.get(flag) for flag, _c, _r in ROLES):
            results.append(ValidationFailed({"is_customer": _("Choose at least one role: customer, supplier or "
                                                              "channel partner.")}))
            continue
        results.append(None)
        if (appstruct.get("code") or "").strip():
            typed[i] = appstruct["code"]
    ensure_partner_sequence(session)
    checked = sequences.check_numbers(session, SEQUENCE, list(typed.values()), Partner.code, field="code")
    codes: dict[int, str] = {}
    for i, number in zip(typed, checked):
        if isinstance(number, ValidationFailed):
            results[i] = number
        else:
            codes[i] = number
    wanting = [i for i, result in enumerate(results) if result is None and i not in typed]
    numbers = sequences.assign_numbers(session, SEQUENCE, Partner.code, len(wanting), field="code",
                                       typed=codes.values())
    codes.update(zip(wanting, numbers))
    tag_ids = {t for i, a in enumerate(appstructs) if results[i] is None for t in a.get("tag_ids") or ()}
    tags = {t.id: t for t in session.scalars(sa.select(Tag).where(Tag.id.in_(tag_ids)))} if tag_ids else {}
    for i, appstruct in enumerate(appstructs):
        if results[i] is not None:
            continue
        partner = Partner(code=codes[i])
        _set_partner(session, partner, {k: v for k, v in appstruct.items() if k != "tag_ids"})
        if appstruct.get("tag_ids"):  # the batch's tags were read at once (a new partner has none yet)
            partner.tags = [tags[t] for t in dict.fromkeys(appstruct["tag_ids"] or ()) if t in tags]
        if appstruct.get("owner_id"):
            partner.owner_id = appstruct["owner_id"]
        session.add(partner)
        results[i] = partner
    return results


def update_partner(session: Session, partner: Partner, appstruct: Mapping[str, Any], user=None) -> Partner:
    """Change a partner; a new code must be allowed by the numbering and not used by another partner."""
    typed = (appstruct.get("code") or "").strip()
    if typed and typed != partner.code:
        partner.code = sequences.check_number(session, SEQUENCE, typed, Partner.code, record_id=partner.id,
                                              field="code")
    _set_partner(session, partner, appstruct)
    return partner


def set_active(request, session: Session, records: list, user, active: bool = True, **params) -> Any:
    for record in records:
        record.active = active
    if active:
        return _("${n} record(s) activated.", mapping={"n": len(records)})
    return _("${n} record(s) deactivated.", mapping={"n": len(records)})


def activate(request, session, records, user, **params):
    """The "activate" action (partners, contacts, categories, lists)."""
    return set_active(request, session, records, user, True)


def deactivate(request, session, records, user, **params):
    """The "deactivate" action: the record stays on old documents but is no longer offered."""
    return set_active(request, session, records, user, False)


# -- contacts ---------------------------------------------------------------------------------------

_CONTACT_FIELDS = ("partner_id", "parent_id", "name", "title", "department", "phone", "mobile", "email",
                   "wechat", "qq", "birthday", "country", "province", "city", "district", "street", "note",
                   "active")


def _check_parent(session: Session, contact: Contact) -> None:
    """The contact reports to a contact of the same partner, and not (indirectly) to itself."""
    if contact.parent_id is None:
        return
    parent = session.get(Contact, contact.parent_id)
    if parent is None or parent.partner_id != contact.partner_id:
        raise ValidationFailed({"parent_id": _("Choose a contact of the same partner.")})
    seen = {contact.id} if contact.id is not None else set()
    while parent is not None:
        if parent.id in seen:
            raise ValidationFailed({"parent_id": _("A contact cannot report to themselves, even indirectly.")})
        seen.add(parent.id)
        parent = session.get(Contact, parent.parent_id) if parent.parent_id else None


def _address_is_empty(values: Mapping[str, Any]) -> bool:
    return not any(values.get(k) for k in ("province", "city", "district", "street"))


def create_contact(session: Session, appstruct: Mapping[str, Any], user=None) -> Contact:
    """A new contact; an empty address is copied from the partner (a copy: it does not change later).

    Copied rather than inherited because a contact's address is where to find the person:
    when the partner moves, some of its people stay behind, and the user decides.
    """
    contact = Contact()
    for key in _CONTACT_FIELDS:
        if key in appstruct:
            setattr(contact, key, appstruct[key])
    partner = session.get(Partner, contact.partner_id)
    if _address_is_empty(appstruct):
        for key in _ADDRESS:
            setattr(contact, key, getattr(partner, key))
    contact.country = contact.country or "CN"
    _check_parent(session, contact)
    follow(contact, partner)
    session.add(contact)
    return contact


def update_contact(session: Session, contact: Contact, appstruct: Mapping[str, Any], user=None) -> Contact:
    moved = "partner_id" in appstruct and appstruct["partner_id"] != contact.partner_id
    for key in _CONTACT_FIELDS:
        if key in appstruct:
            setattr(contact, key, appstruct[key])
    contact.country = contact.country or "CN"
    if moved:
        # Its reports stay with the old partner: they no longer report to it.
        for child in session.scalars(sa.select(Contact).where(Contact.parent_id == contact.id)):
            child.parent_id = None
        follow(contact, session.get(Partner, contact.partner_id))
    _check_parent(session, contact)
    return contact


def contact_tree(contacts: list[Contact]) -> list[tuple[int, Contact]]:
    """(depth, contact) in tree order: each contact after the one it reports to."""
    ids = {c.id for c in contacts}
    below: dict[int | None, list[Contact]] = {}
    for contact in contacts:
        parent = contact.parent_id if contact.parent_id in ids else None
        below.setdefault(parent, []).append(contact)
    out: list[tuple[int, Contact]] = []

    def walk(parent, depth):
        for contact in below.get(parent, []):
            out.append((depth, contact))
            walk(contact.id, depth + 1)
    walk(None, 0)
    return out


# -- bank accounts ----------------------------------------------------------------------------------

def create_bank_account(session: Session, appstruct: Mapping[str, Any], user=None) -> BankAccount:
    account = BankAccount(**{k: appstruct[k] for k in ("partner_id", "bank", "account_name", "account_number",
                                                      "is_default")})
    partner = session.get(Partner, account.partner_id)
    follow(account, partner)
    if not account.is_default and not partner.bank_accounts:
        account.is_default = True  # the first account is the default one
    session.add(account)
    _one_default(session, account)
    return account


def update_bank_account(session: Session, account: BankAccount, appstruct: Mapping[str, Any],
                        user=None) -> BankAccount:
    for key in ("partner_id", "bank", "account_name", "account_number", "is_default"):
        setattr(account, key, appstruct[key])
    follow(account, session.get(Partner, account.partner_id))
    _one_default(session, account)
    return account


def _one_default(session: Session, account: BankAccount) -> None:
    if not account.is_default:
        return
    for other in session.scalars(sa.select(BankAccount).where(BankAccount.partner_id == account.partner_id,
                                                              BankAccount.is_default.is_(True))):
        if other is not account:
            other.is_default = False


# -- the owner of contacts and bank accounts follows the partner's ---------------------------------

def follow(record, partner: Partner | None) -> None:
    """Give ``record`` (a contact or bank account) the owner and department of its partner."""
    if partner is not None:
        record.owner_id, record.department_id = partner.owner_id, partner.department_id


@event.listens_for(Session, "before_flush")
def follow_partner_owner(session: Session, flush_context, instances) -> None:
    """When a partner changes owner (edit, transfer, import), its contacts and accounts go with it.

    A listener rather than a call in the partner services because the kernel's
    transfer (``core.security.sharing``) changes ``owner_id`` without knowing partners.
    """
    for obj in list(session.dirty):
        if not isinstance(obj, Partner):
            continue
        state = sa.inspect(obj)
        if not (state.attrs.owner_id.history.has_changes() or state.attrs.department_id.history.has_changes()):
            continue
        for model in (Contact, BankAccount):
            moved = session.execute(sa.update(model).where(model.partner_id == obj.id)
                                    .values(owner_id=obj.owner_id, department_id=obj.department_id)
                                    .returning(model.id)
                                    .execution_options(synchronize_session="fetch")).scalars().all()
            # The search text carries the owner's key (docs/search.md): an UPDATE is not seen by the index.
            search_sync.refresh(session.connection(), model, moved)
