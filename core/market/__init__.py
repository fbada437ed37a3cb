"""The addon marketplace (应用市场): addons offered on the package indexes the host trusts,
installed, upgraded and removed on the host by its hosting administrators.

See :mod:`.services` (used by the CLI ``zhanggui market …`` and the operator's console).
"""
