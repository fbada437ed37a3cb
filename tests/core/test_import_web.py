"""Import pages, JSON API and CLI: upload, remembered mapping, background run with progress (both engines)."""
from __future__ import annotations

import re
import time

import sqlalchemy as sa
from click.testing import CliRunner

from addons.base.partners.models import Partner
from core.cli import cli
from tests.core.api_support import bearer, make_site

GOOD = "名称,电话,客户\n杭州西湖贸易有限公司,0571-88886666,是\n北京华联商厦,010-66668888,是\n"
BAD = "名称,电话,客户\n杭州西湖贸易有限公司,0571-88886666,是\n,010-66668888,是\n"


def site_with_people(db_url, **settings):
    site = make_site(db_url, settings=settings)
    admin, admin_token = site.user("boss", admin=True)
    clerk, clerk_token = site.user("clerk", {"base.partner": ("read,create,edit", "all")})
    return site, admin, admin_token, clerk_token


def partner_names(site) -> list[str]:
    with site.db.engine.connect() as conn:
        return list(conn.scalars(sa.select(Partner.name).order_by(Partner.id)))


def post_import(site, token, text, status=200, encoding="utf-8", **params):
    return site.app.post("/api/v1/imports/base.partner", params,
                         upload_files=[("file", "customers.csv", text.encode(encoding))],
                         headers=bearer(token), status=status)


def test_api_dry_run_then_commit(db_url):
    site, _admin, token, _clerk = site_with_people(db_url)
    report = post_import(site, token, GOOD).json
    assert report["dry_run"] and not report["committed"] and report["created"] == 2
    assert report["mapping"] == {"名称": "name", "电话": "phone", "客户": "is_customer"}
    assert partner_names(site) == []
    report = post_import(site, token, GOOD, dry_run="false").json
    assert report["committed"] and report["created"] == 2
    assert partner_names(site) == ["杭州西湖贸易有限公司", "北京华联商厦"]
    report = post_import(site, token, GOOD, dry_run="false", rule="name", mode="skip").json
    assert (report["created"], report["skipped"]) == (0, 2)


def test_api_reports_bad_rows_and_bad_files(db_url):
    site, _admin, token, clerk_token = site_with_people(db_url)
    report = post_import(site, token, BAD, dry_run="false").json
    assert not report["committed"] and report["bad"] == 1
    assert report["errors"] == [{"row": 3, "column": "名称", "message": "Required"}]
    assert partner_names(site) == []
    answer = post_import(site, token, "电话\n123\n", status=400).json
    assert answer == {"errors": {"mapping": "Missing required columns: Name."}}
    answer = site.app.post("/api/v1/imports/base.partner", upload_files=[("file", "x.csv", "名称\n".encode("utf-16"))],
                           headers=bearer(token), status=400).json
    assert "neither UTF-8 nor GBK" in answer["errors"]["file"]
    assert post_import(site, token, "", status=400).json["errors"]["file"] == "The file is empty."
    post_import(site, clerk_token, GOOD, status=403)  # no import permission
    answer = post_import(site, token, GOOD, mapping="{", status=400).json
    assert answer == {"errors": {"mapping": "Not valid JSON."}}


def test_upload_limit_is_a_setting(db_url):
    site = make_site(db_url, settings={"zhanggui.import_max_bytes": "1000"})
    _uid, token = site.user("boss", admin=True)
    answer = post_import(site, token, GOOD + "x" * 2000, status=413).json
    assert "larger than 0 MB" in answer["error"]


def test_cli_import_with_progress_and_dry_run(db_url, tmp_path):
    site, *_rest = site_with_people(db_url)
    path = tmp_path / "customers.csv"
    path.write_bytes(GOOD.encode("gbk"))
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db_url, "import", "base.partner", str(path), "--dry-run", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "dry run: 2 row(s), 2 created, 0 updated, 0 skipped, 0 bad" in result.output
    assert "rows" in result.output  # the progress bar (stderr is mixed in by CliRunner)
    assert partner_names(site) == []
    result = runner.invoke(cli, ["--db", db_url, "import", "base.partner", str(path)])
    assert result.exit_code == 0, result.output
    assert partner_names(site) == ["杭州西湖贸易有限公司", "北京华联商厦"]
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD.replace("北京华联商厦", ""), encoding="utf-8")
    result = runner.invoke(cli, ["--db", db_url, "import", "base.partner", str(bad), "--lang", "en",
                                 "--rule", "phone", "--mode", "create"])
    assert result.exit_code == 1
    assert "row 3: 名称: Required" in result.output and "NOT imported" in result.output
    assert len(partner_names(site)) == 2


def text(page, selector: str) -> str:
    return re.sub(r"\s+", " ", page.html.select_one(selector).text).strip()


def _wait(client, run_url, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(f"{run_url}/progress").json["state"]
        if state in ("done", "failed"):
            return state
        time.sleep(0.2)
    raise AssertionError("the import did not finish")


def test_pages_upload_map_dry_run_import_and_remember_the_mapping(db_url):
    site, admin, _token, _clerk = site_with_people(db_url)
    client, csrf = site.cookie_client(admin)
    page = client.get("/m/base.partner", {"is_customer": "1"})
    link = page.html.find("a", string="Import")["href"]
    assert "is_customer=1" in link
    form = client.get(link)
    assert "Every row gets:" in form.text and "Customer" in form.text
    upload = client.post(link, {"csrf_token": csrf},
                         upload_files=[("file", "customers.csv", "名称,电话\n甲公司,1\n,2\n".encode("gbk"))])
    run_url = upload.location.replace("http://localhost", "")
    page = client.get(run_url)
    selects = {s["aria-label"]: s.find("option", selected=True) for s in page.html.select("table select")}
    assert selects["名称"]["value"] == "name" and selects["电话"]["value"] == "phone"
    params = {"csrf_token": csrf, "col-0": "name", "col-1": "phone", "rule": "", "mode": "skip"}
    client.post(run_url, {**params, "commit": "1"})
    assert _wait(client, run_url) == "done"
    page = client.get(run_url)
    assert "1 of 2 rows have problems" in text(page, ".zg-import-bad")
    assert [td.text for td in page.html.select(".zg-import-errors td")] == ["3", "名称", "Required"]
    assert partner_names(site) == []
    # The same layout again: the mapping is remembered.
    upload = client.post(link, {"csrf_token": csrf},
                         upload_files=[("file", "fixed.csv", "名称,电话\n甲公司,1\n乙公司,2\n".encode("utf-8"))])
    run_url = upload.location.replace("http://localhost", "")
    page = client.get(run_url)
    assert page.html.select("select[name=col-1] option[selected]")[0]["value"] == "phone"
    client.post(run_url, {**params, "commit": "0"})
    assert _wait(client, run_url) == "done"
    assert "Dry run: no problems" in client.get(run_url).text
    client.post(run_url, {**params, "commit": "1"})
    assert _wait(client, run_url) == "done"
    assert "Imported: 2 created, 0 updated, 0 skipped." in text(client.get(run_url), ".zg-import-done")
    assert partner_names(site) == ["甲公司", "乙公司"]
    with site.db.session() as session:
        assert all(p.is_customer for p in session.scalars(sa.select(Partner)))


def test_missing_required_column_on_the_mapping_page(db_url):
    site, admin, _token, _clerk = site_with_people(db_url)
    client, csrf = site.cookie_client(admin)
    upload = client.post("/m/base.partner/import?is_customer=1", {"csrf_token": csrf},
                         upload_files=[("file", "x.csv", b"Phone\n1\n")])
    run_url = upload.location.replace("http://localhost", "")
    page = client.post(run_url, {"csrf_token": csrf, "col-0": "phone", "commit": "1"})
    assert "Missing required columns: Name." in page.text
    assert "not an Excel" in client.post("/m/base.partner/import", {"csrf_token": csrf},
                                         upload_files=[("file", "x.xlsx", b"abc")]).text


def test_import_needs_the_permission_and_runs_are_private(db_url):
    site, admin, _token, _clerk_token = site_with_people(db_url)
    with site.db.session() as session:
        clerk_id = session.scalar(sa.text("SELECT id FROM zg_user WHERE login = 'clerk'"))
    clerk, _csrf = site.cookie_client(clerk_id)
    assert clerk.get("/m/base.partner").html.find("a", string="Import") is None
    clerk.get("/m/base.partner/import", status=403)
    client, csrf = site.cookie_client(admin)
    upload = client.post("/m/base.partner/import", {"csrf_token": csrf},
                         upload_files=[("file", "x.csv", GOOD.encode())])
    run_url = upload.location.replace("http://localhost", "")
    clerk.get(run_url, status=404)
    clerk.get(f"{run_url}/progress", status=404)
    assert client.get(f"{run_url}/progress").json["state"] == "uploaded"
