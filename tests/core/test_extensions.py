"""The model-extension registry (core/extensions.py): the hook, and which extensions apply per database.

What extensions do on pages, the API, imports and exports is tested with the real one,
crm's customer profile on base partners (tests/addons/crm/test_customer_profile.py).
"""
from __future__ import annotations

import colander
import pluggy
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from core import extensions, hookspecs
from core.hookspecs import hookimpl


class _Base(DeclarativeBase):  # not the kernel's metadata: no table of this test joins it
    pass


class _Side(_Base):
    __tablename__ = "zz_test_side"

    record_id: Mapped[int] = mapped_column(primary_key=True)
    note: Mapped[str] = mapped_column(sa.String(20), default="")


def _schema(request):
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.String(), name="note", missing=""))
    return schema


class _Plugin:
    @hookimpl(specname="model_extensions")
    def side_fields(self):
        return [extensions.Extension(target="zz.thing", model=_Side, key="record_id", schema=_schema)]


def test_hook_model_extensions():
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(_Plugin(), name="zzaddon")
    try:
        assert extensions.register_from(pm) == ["zzaddon:zz_test_side"]
        registered = extensions.EXTENSIONS["zz.thing"]["zzaddon:zz_test_side"]
        assert registered.addon == "zzaddon"  # set from the implementing plugin
        engine = sa.create_engine("sqlite://")
        with Session(engine) as session:
            session.info[extensions.INSTALLED_KEY] = frozenset({"base", "zz"})
            assert extensions.active(session, "zz.thing") == []  # the extending addon is not installed here
            session.info[extensions.INSTALLED_KEY] = frozenset({"base", "zzaddon"})
            assert extensions.active(session, "zz.thing") == []  # nor is the extended model's addon
            session.info[extensions.INSTALLED_KEY] = frozenset({"base", "zz", "zzaddon"})
            assert extensions.active(session, "zz.thing") == [registered]
            # Its nodes join the target's schema, marked with their extension; a clash is refused.
            target = colander.SchemaNode(colander.Mapping())
            target.add(colander.SchemaNode(colander.String(), name="name"))
            extended = extensions.extend_schema(target, session, "zz.thing")
            assert [n.name for n in extended.children] == ["name", "note"]
            assert extended["note"].zg_extension is registered and len(target.children) == 1
            own, parts = extensions.split(session, "zz.thing", {"name": "x", "note": "y"})
            assert own == {"name": "x"} and parts == {registered: {"note": "y"}}
            clash = colander.SchemaNode(colander.Mapping())
            clash.add(colander.SchemaNode(colander.String(), name="note"))
            try:
                extensions.extend_schema(clash, session, "zz.thing")
            except ValueError as exc:
                assert "note" in str(exc)
            else:
                raise AssertionError("a field name clash must be refused")
    finally:
        extensions.EXTENSIONS.pop("zz.thing", None)
