"""A real local SMTP server (aiosmtpd) for the outbox tests, counting what it receives.

``Controller(port=0)`` does not work (aiosmtpd then cannot reach itself to check it
started), so a free port is picked first.
"""
from __future__ import annotations

import collections
import email
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """aiosmtpd handler: stores each accepted message; scripted refusals per recipient.

    ``permanent``: recipients answered ``550``; ``temporary[address] = n``: the first
    ``n`` tries answered ``451``.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[email.message.Message] = []
        self.permanent: set[str] = set()
        self.temporary: dict[str, int] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            if address in self.permanent:
                return "550 5.1.1 User unknown"
            if self.temporary.get(address, 0) > 0:
                self.temporary[address] -= 1
                return "451 4.7.1 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted for delivery"

    @property
    def ids(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(m["Message-ID"] for m in self.messages)


class SMTPServer:
    """A started aiosmtpd on 127.0.0.1 and a free port; ``stop()`` at the end."""

    def __init__(self):
        self.recorder = Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[email.message.Message]:
        return list(self.recorder.messages)
