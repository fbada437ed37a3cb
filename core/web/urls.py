"""One rule for every redirect target that comes from the user (no open redirects)."""
from __future__ import annotations

from urllib.parse import urlsplit

MAX_LENGTH = 2000


def is_site_path(value) -> bool:
    """Whether ``value`` is a path on this site ("/m/crm.customer/5?tab=2").

    Refused: absolute and scheme-relative URLs ("//host"), backslashes (browsers
    read "/\\host" as "//host"), control characters, anything not starting with "/".
    """
    if not value or not isinstance(value, str) or len(value) > MAX_LENGTH:
        return False
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def site_url(request, value, default: str | None = None) -> str:
    """The full URL of ``value`` when it is a site path, else ``default`` (the dashboard)."""
    if is_site_path(value):
        return request.host_url + value
    return default if default is not None else request.application_url + "/"
