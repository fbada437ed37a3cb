"""The first administrator's password by email through the operator's SMTP server (a real aiosmtpd).

From the command line (``tenants create --admin-email``) and from the console's form;
when the server cannot be reached the password is shown instead, never lost.
"""
from __future__ import annotations

import email.header
import re

import pytest
import webtest
from click.testing import CliRunner

import core.cli.tenants_cmd  # noqa: F401  (registers the commands)
from core.cli import Context, cli
from core.db import Database
from core.security.models import User
from core.security.passwords import hash_password, verify_password
from core.tenants.services import Operator
from tests.addons.base.outbox_support import SMTPServer, free_port
from tests.conftest import fixture_catalog
from tests.core.tenants_support import hosting

PASSWORD = "alice-secret-1"


def catalog():
    return fixture_catalog("alpha")


@pytest.fixture
def smtp():
    server = SMTPServer()
    yield server
    server.stop()


def admin_of(url: str) -> User:
    db = Database(url)
    try:
        with db.session() as session:
            return session.query(User).filter_by(login="admin").one()
    finally:
        db.dispose()


def subject(message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


def body(message) -> str:
    return message.get_payload(decode=True).decode()


def test_the_command_line_emails_the_password_or_shows_it_when_it_cannot(engine_name, tmp_path, smtp, monkeypatch):
    extra = {"zhanggui.operator_smtp": f"smtp://127.0.0.1:{smtp.port}",
             "zhanggui.operator_mail_from": "Zhanggui <ops@host.example>"}
    with hosting(engine_name, tmp_path, **extra) as settings:
        ini = tmp_path / "hosting.ini"
        ini.write_text("\n".join(["[app:main]", "use = egg:zhanggui"]
                                 + [f"{k} = {v}" for k, v in settings.items()]) + "\n")
        monkeypatch.delenv("ZHANGGUI_INI", raising=False)
        monkeypatch.setattr(Context, "catalog", property(lambda self: catalog()))
        result = CliRunner().invoke(cli, ["-c", str(ini), "tenants", "create", "acme", "--domain", "acme.example",
                                          "--admin-email", "boss@acme.example"])
        assert result.exit_code == 0, result.output
        assert "the password was emailed to boss@acme.example" in result.output
        [message] = smtp.received
        assert message["To"] == "boss@acme.example" and message["From"] == "Zhanggui <ops@host.example>"
        assert "acme" in subject(message)
        password = re.search(r"the password (\S+), then", body(message)).group(1)
        assert password not in result.output
        operator = Operator(settings, catalog())
        admin = admin_of(operator.get("acme").db_url)
        assert verify_password(admin.password_hash, password) and admin.email == "boss@acme.example"
        assert "https://acme.example/" in body(message)
        assert (operator.history("acme", 1)[0].action, operator.history("acme", 1)[0].result) == ("mail", "ok")

        # The server is gone: the tenant is made all the same and the password shown once.
        ini.write_text(ini.read_text().replace(f"127.0.0.1:{smtp.port}", f"127.0.0.1:{free_port()}"))
        result = CliRunner().invoke(cli, ["-c", str(ini), "tenants", "create", "bolt", "--domain", "bolt.example",
                                          "--admin-email", "boss@bolt.example"])
        assert result.exit_code == 0, result.output
        assert "the password could not be emailed (127.0.0.1:" in result.output
        shown = re.search(r"administrator: admin / (\S+)", result.output).group(1)
        assert verify_password(admin_of(operator.get("bolt").db_url).password_hash, shown)
        assert operator.history("bolt", 1)[0].result == "failed"
        for name in ("acme", "bolt"):
            operator.drop(name, keep_backup=False)
        operator.close()


def test_the_console_emails_the_password(engine_name, tmp_path, smtp):
    from core.web import make_app

    extra = {"zhanggui.operator_smtp": f"smtp://127.0.0.1:{smtp.port}",
             "zhanggui.operator_mail_from": "ops@host.example",
             "zhanggui.console_hosts": "ops.example", "zhanggui.operators": f"alice:{hash_password(PASSWORD)}"}
    with hosting(engine_name, tmp_path, **extra) as settings:
        app = webtest.TestApp(make_app(dict(settings), catalog=catalog()),
                              extra_environ={"HTTP_HOST": "ops.example", "HTTP_ACCEPT_LANGUAGE": "en"})
        token = app.get("/login").html.select_one('input[name="csrf_token"]')["value"]
        app.post("/login", {"login": "alice", "password": PASSWORD, "csrf_token": token}, status=303)
        form = app.get("/tenants/new")
        assert "The password is sent there" in form.text
        token = form.html.select_one('input[name="csrf_token"]')["value"]
        page = app.post("/tenants/new", {"name": "acme", "domains": "acme.example", "addons": "alpha",
                                         "admin_email": "boss@acme.example", "csrf_token": token})
        assert "received the password by email at boss@acme.example" in page.html.select_one("#console-created").text
        assert page.html.select_one("#console-password") is None
        [message] = smtp.received
        password = re.search(r"the password (\S+), then", body(message)).group(1)
        assert password not in page.text
        operator = Operator(settings, catalog())
        assert verify_password(admin_of(operator.get("acme").db_url).password_hash, password)
        operator.drop("acme", keep_backup=False)
        operator.close()
