from . import cli  # noqa: F401
