"""crm: the contacts part — relationships, birthdays, quick actions and the customer 360 view (docs/crm-contacts.md)."""
from __future__ import annotations


def includeme(config):
    # The 360 page and its JSON, quick email / SMS, relationships, birthdays and their settings.
    config.include(".views")
    # The daily birthday reminders and greetings.
    config.include(".jobs")

