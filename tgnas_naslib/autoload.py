"""Opt-in autoload: load the TG-NAS NASLib plugin the moment NASLib itself is first imported.

``scripts/setup_naslib.sh`` writes ``tgnas_naslib_autoload.pth`` (one line: ``import tgnas_naslib.autoload``)
into the environment's site-packages; ``--no-autoload`` skips it and deleting the file undoes it. At interpreter
start this module only puts :class:`NASLibHook` on ``sys.meta_path`` (standard library only, no NASLib, no
numpy). When a script imports ``naslib`` (e.g. ``from naslib.search_spaces import ...`` in NASLib's own
runners), the hook runs NASLib's ``__init__`` and then ``import tgnas_naslib.naslib``, which applies the
compatibility fixes (torchvision stand-in included) and registers ``tgnas`` before the script's import goes on.
Set ``TGNAS_NASLIB_AUTOLOAD=0`` to switch it off for one process.
"""

from __future__ import annotations

import importlib
import importlib.abc
import os
import sys
from typing import Any

ENV_VAR = "TGNAS_NASLIB_AUTOLOAD"
PLUGIN = "tgnas_naslib.naslib"


class _PluginLoader(importlib.abc.Loader):
    """Wraps NASLib's own loader: execute ``naslib/__init__.py``, then import the plugin."""

    def __init__(self, inner: importlib.abc.Loader):
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module) -> None:
        uninstall()
        self.inner.exec_module(module)
        if PLUGIN not in sys.modules:
            importlib.import_module(PLUGIN)
            install_excepthook()

    def __getattr__(self, name: str) -> Any:  # get_source, is_package, ... (tracebacks, inspect)
        return getattr(self.inner, name)


class NASLibHook(importlib.abc.MetaPathFinder):
    """Gives ``import naslib`` a loader that also imports the plugin (removed once NASLib is imported; a mere
    ``importlib.util.find_spec("naslib")`` leaves it in place)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None):
        if fullname != "naslib":
            return None
        for finder in sys.meta_path:  # the finder that would have found NASLib without this hook
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _PluginLoader(spec.loader)
                return spec
        return None


def installed() -> bool:
    """True while the hook waits for ``import naslib``."""
    return any(isinstance(f, NASLibHook) for f in sys.meta_path)


def install() -> bool:
    """Put the hook on ``sys.meta_path`` unless NASLib is already imported or ``TGNAS_NASLIB_AUTOLOAD=0``."""
    if os.environ.get(ENV_VAR, "1") == "0" or "naslib" in sys.modules or installed():
        return False
    sys.meta_path.insert(0, NASLibHook())
    return True


def uninstall() -> None:
    """Remove the hook."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, NASLibHook)]


def install_excepthook() -> None:
    """Report the plugin's user errors (a missing benchmark file, ...) and Ctrl-C as one line instead of a
    traceback."""
    previous = sys.excepthook
    if getattr(previous, "tgnas_one_line", False):
        return

    def excepthook(exc_type, exc, tb):
        from tgnas_naslib.errors import one_line_error

        if isinstance(exc, KeyboardInterrupt):  # Python still ends the process as killed by SIGINT (status 130)
            sys.stderr.write(f"{os.path.basename(sys.argv[0] or 'python')}: interrupted\n")
            return None
        line = one_line_error(exc)
        if line is None:
            return previous(exc_type, exc, tb)
        sys.stderr.write(f"{os.path.basename(sys.argv[0] or 'python')}: error: {line}\n")

    excepthook.tgnas_one_line = True
    sys.excepthook = excepthook


install()
