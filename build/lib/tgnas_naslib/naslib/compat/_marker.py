"""The attribute every compat fix sets on what it installs, so that each fix is idempotent."""

MARK = "__tgnas_compat__"


def is_ours(obj: object) -> bool:
    """True when ``obj`` was installed by a fix of this package."""
    return bool(getattr(obj, MARK, False))
