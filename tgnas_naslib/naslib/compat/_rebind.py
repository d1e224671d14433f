"""Replace a function everywhere NASLib bound it (``naslib.utils.X`` and every ``from naslib.utils import X``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable


def rebind_naslib_function(name: str, new: Callable, old: Iterable[Callable | None]) -> list[str]:
    """Point every imported ``naslib.*`` module attribute ``name`` that is one of ``old`` at ``new``; returns them."""
    old_ids = {id(fn) for fn in old if fn is not None}
    done = []
    for mod_name, mod in list(sys.modules.items()):
        if (mod_name == "naslib" or mod_name.startswith("naslib.")) and mod is not None:
            fn = getattr(mod, name, None)
            if fn is not None and id(fn) in old_ids:
                setattr(mod, name, new)
                done.append(mod_name)
    return done
