"""``python -m core.market.migrate_tenants``: run an upgraded addon's migrations in each database.

Run by the marketplace in the host's interpreter after pip upgraded an addon, so the
new code (manifest, migrations, hooks) is what runs, not what the asking process had
imported. It reads ``{"addon": name, "actor": who, "databases": [[label, url, files],
…]}`` as JSON on standard input (URLs may hold passwords: never on the command line)
and prints one JSON line per database: ``{"database": label, "ok": bool, "lines": […]}``.
Each database is upgraded in its own transaction (:meth:`core.lifecycle.Lifecycle.upgrade`):
one that fails is reported and left as it was, the others go on.
"""
from __future__ import annotations

import json
import sys


def main() -> int:
    from ..addons import Catalog
    from ..db import Database
    from ..lifecycle import Lifecycle

    request = json.load(sys.stdin)
    catalog = Catalog.from_entry_points()
    failed = 0
    for label, url, files in request["databases"]:
        database = Database(url, key=f"market:{label}", files_root=files or None)
        try:
            plan = Lifecycle(database, catalog, actor=request.get("actor")).upgrade([request["addon"]])
            result = {"database": label, "ok": True, "lines": plan.describe()}
        except Exception as exc:  # noqa: BLE001  one company's failure must not stop the others
            failed += 1
            result = {"database": label, "ok": False, "lines": [f"{type(exc).__name__}: {exc}"]}
        finally:
            database.dispose()
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
