"""Replace what NASLib bound: a function everywhere it was imported, or one global of named NASLib modules."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from tgnas_naslib.extras import optional

from ._marker import MARK, is_ours


def mark_replacement(new: Callable, original: Callable | None) -> Callable:
    """Flag ``new`` as installed by the compat layer and remember the ``original`` it replaces."""
    setattr(new, MARK, True)
    new.original = original
    return new


def patch_module_globals(modules: Iterable[str], name: str, replace: Callable[[Any], Any]) -> list[str]:
    """Set global ``name`` of each importable NASLib module to ``replace(current)`` (idempotent).

    ``replace`` returns None to leave a module alone; returns the modules that now hold a replacement.
    """
    done = []
    for module in modules:
        mod = optional(module, broken=True)  # absent from this NASLib version, or its own imports fail
        if mod is None:
            continue
        current = getattr(mod, name, None)
        if current is None:
            continue
        if not is_ours(current):
            new = replace(current)
            if new is None:
                continue
            setattr(mod, name, new)
        done.append(module)
    return done


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
