"""Email: templates, blasts to segments, opt-out, receiving mail from mailboxes (docs/email.md)."""
from __future__ import annotations


def includeme(config):
    from .registration import DESCRIPTORS

    for descriptor in DESCRIPTORS:
        config.add_model(descriptor)
    config.add_route("base.mail.preview", r"/base/mail/templates/{id:\d+}/preview")
    config.add_route("base.mail.attach", r"/base/mail/received/{id:\d+}/attach")
    # Public (no sign-in): the links in sent messages.
    config.add_route("base.mail.unsubscribe", "/mail/unsubscribe/{token}")
    config.add_route("base.mail.open", "/mail/open/{token}.gif")
    config.include(".jobs")
    config.scan(".views")
