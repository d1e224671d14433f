"""The one hook on NASLib's result writers: ordered steps run just before NASLib writes a result file.

NASLib's ``ZeroCostPredictorEvaluator``, ``PredictorEvaluator`` and ``Trainer`` write ``scores.json`` /
``errors.json`` in their ``_log_to_json``. That method is wrapped once (marked with the compat layer's one marker,
:data:`._marker.MARK`); what the plugin does there is a list of named steps, run in their order:

=====  ===============  ==================================================================================
order  step             what it does (registered by)
=====  ===============  ==================================================================================
10     ``plain``        numpy scalars in the results become Python numbers (:mod:`.json_results`)
20     ``provenance``   ``config.provenance``: data, model, versions, the caution (``naslib/provenance.py``)
=====  ===============  ==================================================================================

Then NASLib's own writer runs; when it stops by an exception or Ctrl-C, the half-written file is removed (NASLib
opens it for writing in place), so a result file is whole or absent.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
from collections.abc import Callable
from typing import Any

from ._marker import is_ours
from ._rebind import mark_replacement

#: (module, class, the file its ``_log_to_json`` writes into ``config.save``)
WRITERS = (
    ("naslib.evaluators.zc_evaluator", "ZeroCostPredictorEvaluator", "scores.json"),
    ("naslib.defaults.predictor_evaluator", "PredictorEvaluator", "errors.json"),
    ("naslib.defaults.trainer", "Trainer", "errors.json"),
)
#: step name -> (order, step(writer object)); run in ascending order before NASLib writes
_STEPS: dict[str, tuple[int, Callable[[Any], None]]] = {}


def add_step(name: str, order: int, step: Callable[[Any], None]) -> None:
    """Register (or replace) the step ``name``, run at ``order`` before every NASLib result file is written."""
    _STEPS[name] = (order, step)


def steps() -> list[str]:
    """The registered steps' names, in the order they run."""
    return [name for name, _ in sorted(_STEPS.items(), key=lambda kv: kv[1][0])]


def _result_file(writer: Any, filename: str) -> str | None:
    save = getattr(getattr(writer, "config", None), "save", None)
    return os.path.join(str(save), filename) if save else None


def _hooked(original: Callable, filename: str) -> Callable:
    @functools.wraps(original)
    def _log_to_json(self, *args: Any, **kwargs: Any) -> Any:
        for name in steps():
            _STEPS[name][1](self)
        try:
            return original(self, *args, **kwargs)
        except BaseException:
            target = _result_file(self, filename)
            if target is not None:
                with contextlib.suppress(OSError):
                    os.unlink(target)  # NASLib truncated it first: no half-written result under its final name
            raise

    return mark_replacement(_log_to_json, original)


def install_result_hook() -> list[str]:
    """Wrap the ``_log_to_json`` of every class of :data:`WRITERS` once (idempotent); returns the classes."""
    done = []
    for module, cls_name, filename in WRITERS:
        cls = getattr(importlib.import_module(module), cls_name)
        if not is_ours(cls.__dict__.get("_log_to_json")):
            cls._log_to_json = _hooked(cls._log_to_json, filename)
        done.append(cls_name)
    return done
