"""Reading and changing the company and settings, without a request."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import Company, Settings


def get_company(session: Session) -> Company:
    company = session.scalars(sa.select(Company).order_by(Company.id).limit(1)).first()
    if company is None:  # created at install; recreated if someone deleted it
        company = Company(name="My Company")
        session.add(company)
        session.flush()
    return company


def get_settings(session: Session) -> Settings:
    settings = session.scalars(sa.select(Settings).order_by(Settings.id).limit(1)).first()
    if settings is None:
        settings = Settings()
        session.add(settings)
        session.flush()
    return settings


COMPANY_FIELDS = ("name", "short_name", "address", "phone", "email", "website", "tax_number", "bank_name",
                  "bank_account", "theme", "idle_lock_minutes")
SETTINGS_FIELDS = ("quantity_decimals", "price_decimals", "amount_decimals", "base_currency")


def update_company(session: Session, values: dict, logo: tuple[bytes, str] | None = None,
                   remove_logo: bool = False) -> Company:
    """Save the company profile and the system settings from validated ``values``.

    ``logo`` is (bytes, mime type) of a new logo; ``remove_logo`` drops the current one.
    """
    company = get_company(session)
    settings = get_settings(session)
    for key in COMPANY_FIELDS:
        if key in values:
            setattr(company, key, values[key])
    for key in SETTINGS_FIELDS:
        if key in values:
            setattr(settings, key, values[key])
    if logo is not None:
        company.logo, company.logo_type = logo
    elif remove_logo:
        company.logo, company.logo_type = None, ""
    session.flush()
    return company
