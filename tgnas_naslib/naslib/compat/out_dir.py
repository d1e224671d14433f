"""Fix: NASLib's scripts crash with a traceback when ``out_dir`` is a file or a read-only folder.

Evidence: ``naslib/utils/__init__.py::get_config_from_args`` calls ``create_exp_dir(config.save)``, which runs
``os.makedirs``; ``out_dir`` naming a file raises ``NotADirectoryError`` / ``FileExistsError``, a read-only folder
``PermissionError``, each as a traceback (chained ones in the project's runner).
Fix: ``create_exp_dir`` checks and creates the folder with the project's one rule for output locations
(:func:`tgnas_naslib.outputs.output_dir`): a location that cannot take the results is one ``out_dir`` line before
the script does any work.
"""

from __future__ import annotations

import importlib
import logging

from tgnas_naslib.outputs import output_dir

from ._marker import is_ours
from ._rebind import mark_replacement, rebind_naslib_function

logger = logging.getLogger("naslib.utils")


def create_exp_dir(path: str) -> None:
    """NASLib's ``create_exp_dir``: the experiment folder, created or refused in one ``out_dir`` line."""
    output_dir(path, "out_dir")
    logger.info("Experiment dir : %s", path)


def patch_naslib_out_dir() -> list[str]:
    """Install :func:`create_exp_dir` wherever NASLib bound its own (idempotent); returns those modules."""
    nu = importlib.import_module("naslib.utils")
    current = nu.create_exp_dir
    if is_ours(current):
        return rebind_naslib_function("create_exp_dir", current, (current.original,))
    return rebind_naslib_function("create_exp_dir", mark_replacement(create_exp_dir, current), (current,))
