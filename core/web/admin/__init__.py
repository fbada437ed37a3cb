"""The administrator's tools and the record sharing pages.

* the role permission matrix (``zg.role.matrix``) and who has a role (``zg.role.users``);
* sharing and ownership transfer of owned records (``zg.model.share``,
  ``zg.model.unshare``, ``zg.model.transfer``), allowed by the rules of
  :mod:`core.security.sharing`;
* the audit log and its Excel export (``zg.audit``, ``zg.audit.export``), read-only.

The detail-page tabs (matrix summary, sharing, owner history) are in :mod:`.tabs`, a
hook implementation registered with the kernel's plugins.
"""
from __future__ import annotations


def includeme(config):
    # Literal segments: these routes must be added before the generic /m/{model}/{id}
    # pages, or "share" and "transfer" would be taken for record ids.
    config.add_route("zg.role.matrix", "/admin/roles/{id:\\d+}/permissions")
    config.add_route("zg.role.users", "/admin/roles/{id:\\d+}/users")
    config.add_route("zg.model.share", "/m/{model}/share")
    config.add_route("zg.model.unshare", "/m/{model}/{id:\\d+}/unshare/{share_id:\\d+}")
    config.add_route("zg.model.transfer", "/m/{model}/transfer")
    config.add_route("zg.audit", "/admin/audit")
    config.add_route("zg.audit.export", "/admin/audit/export.xlsx")
    config.scan(".matrix")
    config.scan(".sharing")
    config.scan(".audit")
