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
