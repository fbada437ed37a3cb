"""The default print templates every database gets (company data, editable afterwards).

Seeded when base is installed (envelopes and address labels for partners and contacts)
and when an addon with document types is installed (a document template for each of
its types). Their texts are Chinese: they print the company's documents (docs/printing.md).
Any other record type starts from the generic page (``record.html``: every field, then
the line fields as tables), which the form of a new template holds until it is replaced.
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..documents.types import DocumentType, document_types
from .models import PrintTemplate

HERE = Path(__file__).parent / "defaults"
#: Models that get an envelope and an address-label sheet.
MAILING_MODELS = ("base.partner", "base.contact")


def _read(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def record_source() -> str:
    """The generic page of any record: the company header, every field, each line field as a table."""
    return _read("record.html")


def record_css() -> str:
    return _read("record.css")


def chinese(title, catalog=None) -> str:
    """``title`` (a TranslationString) in Simplified Chinese, from the addons' catalogs."""
    if not hasattr(title, "interpolate"):
        return str(title)
    if catalog is not None:
        try:
            from pyramid.i18n import make_localizer
            from pyramid.path import AssetResolver

            from core.web.i18n import translation_dirs

            resolver = AssetResolver()
            dirs = [resolver.resolve(d).abspath() for d in translation_dirs(catalog)]
            return make_localizer("zh_Hans", dirs).translate(title)
        except Exception:  # noqa: BLE001  (a missing catalog: the English title will do)
            pass
    return title.interpolate()


def _exists(session: Session, model: str, kind: str) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(PrintTemplate).where(
        PrintTemplate.model == model, PrintTemplate.kind == kind)) > 0


def document_template(model: str, title: str) -> PrintTemplate:
    return PrintTemplate(name=title, model=model, kind="document",
                         source=_read("document.html").replace("__TITLE__", title), css=_read("document.css"),
                         paper="A4", orientation="portrait", margin_top=12, margin_right=12, margin_bottom=12,
                         margin_left=12, label_rows=8, label_columns=3, is_default=True, active=True)


def envelope_template(model: str) -> PrintTemplate:
    return PrintTemplate(name="信封（DL）", model=model, kind="envelope", source=_read("envelope.html"),
                         css=_read("envelope.css"), paper="DL", orientation="portrait", margin_top=10,
                         margin_right=12, margin_bottom=10, margin_left=12, label_rows=8, label_columns=3,
                         is_default=True, active=True)


def label_template(model: str) -> PrintTemplate:
    return PrintTemplate(name="地址标签（A4 3×8）", model=model, kind="label", source=_read("label.html"),
                         css=_read("label.css"), paper="A4", orientation="portrait", margin_top=10,
                         margin_right=6, margin_bottom=10, margin_left=6, label_rows=8, label_columns=3,
                         is_default=True, active=True)


def seed_mailing(session: Session) -> list[PrintTemplate]:
    """Envelope and label templates for partners and contacts (those missing)."""
    made = []
    for model in MAILING_MODELS:
        for kind, make in (("envelope", envelope_template), ("label", label_template)):
            if not _exists(session, model, kind):
                made.append(make(model))
    session.add_all(made)
    session.flush()
    return made


def seed_documents(session: Session, types: list[DocumentType], catalog=None) -> list[PrintTemplate]:
    """A document template for each of ``types`` that has none."""
    made = [document_template(t.name, chinese(t.title, catalog)) for t in types
            if not _exists(session, t.name, "document")]
    session.add_all(made)
    session.flush()
    return made


def types_of_addon(module: str) -> list[DocumentType]:
    """The document types declared by the addon whose package is ``module`` (``addons.sale``)."""
    return [t for t in document_types().values() if t.model.__module__ == module
            or t.model.__module__.startswith(module + ".")]
