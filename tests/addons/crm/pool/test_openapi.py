"""Releasing a customer to the pool through the API, in the OpenAPI document as it answers."""
from __future__ import annotations

import sqlalchemy as sa
import webtest

from core.security.models import User

from ..conftest import api
from ..openapi_check import check_answer, operation
from .conftest import add_role


def test_hook_openapi_paths_release(pool_site):
    ids = pool_site.ids
    with pool_site.db.session() as session:  # rep2 sees every customer, but releases only their own
        add_role(session, session.scalar(sa.select(User).where(User.login == "rep2")), "rep2-partners",
                 {"base.partner": ("read", "all")})
        session.commit()
    rep = api(pool_site, "rep")
    doc = rep.get("/api/v1/openapi.json")
    release = operation(doc, "/api/v1/crm.pool/release/{id}", "post")
    assert release["operationId"] == "crm.pool.release" and release["summary"] == "Release to the pool"
    assert [p["name"] for p in release["parameters"]] == ["id"]
    body = release["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["note"] and body["properties"]["note"]["maxLength"] == 500

    url = f"/api/v1/crm.pool/release/{ids.customer}"
    check_answer(doc, release, "400", rep.post(url, {}, status=400))  # {"errors": {"note": …}}
    check_answer(doc, release, "400", rep.post(url, {"note": "x" * 501}, status=400))
    check_answer(doc, release, "400", rep.post(url, ["客户暂无需求"], status=400))  # {"error": …}
    check_answer(doc, release, "403", api(pool_site, "rep2").post(url, {"note": "x"}, status=403))
    check_answer(doc, release, "404", api(pool_site, "loner").post(url, {"note": "x"}, status=404))
    check_answer(doc, release, "404", rep.post("/api/v1/crm.pool/release/999999", {"note": "x"}, status=404))
    anonymous = webtest.TestApp(pool_site.app, extra_environ={"HTTP_HOST": "localhost"})
    check_answer(doc, release, "401", anonymous.post_json(url, {"note": "x"}, status=401).json)
    check_answer(doc, release, "415", rep.app.post(url, "note=x", headers=rep.headers, status=415).json)
    done = rep.post(url, {"note": "客户暂无需求"})
    assert "back in the public pool" in done["result"]
    check_answer(doc, release, "200", done)
    # A manager (who still sees it) is told per field that it is in the pool already.
    again = api(pool_site, "mgr").post(url, {"note": "客户暂无需求"}, status=400)
    assert set(again["errors"]) == {"in_pool"}
    check_answer(doc, release, "400", again)
