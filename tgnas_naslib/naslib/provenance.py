"""What produced a result file: ground-truth files, data directory, TG-NAS model and library versions.

:func:`record` builds the dict; :func:`attach` puts it into a NASLib config as ``config.provenance`` (NASLib's
evaluators and ``Trainer`` dump the config as the first element of ``scores.json`` / ``errors.json``).
:func:`install` makes it the ``provenance`` step of NASLib's one result hook (:mod:`.compat._result_hook`), run
just before NASLib's ``ZeroCostPredictorEvaluator``, ``PredictorEvaluator`` and ``Trainer`` write their result
file. The caution is computed, and logged, once per model, data and task.
"""

from __future__ import annotations

import logging
import platform
from typing import Any

from tgnas_naslib.convert import plain
from tgnas_naslib.extras import optional

from .compat._result_hook import add_step, install_result_hook

#: the step's place in the result hook: after the results became plain values
ORDER = 20
#: (model, files, task, space) -> the caution (None: none), computed and logged once
_CAUTIONS: dict[tuple, str | None] = {}


def is_offline(api: Any) -> bool:
    """True for an api that carries its ``provenance`` (offline_api's; NASLib's own carry none). Duck-typed: offline_api
    imports this module, so this module does not import it back."""
    return isinstance(getattr(api, "provenance", None), dict)


def versions() -> dict[str, str]:
    """Versions of Python and the libraries a result depends on."""
    import numpy
    import torch

    from tgnas_naslib import __version__

    out = {"python": platform.python_version(), "tgnas_naslib": __version__, "torch": str(torch.__version__),
           "numpy": str(numpy.__version__)}
    nv = optional("naslib.__version__")
    if nv is not None:
        out["naslib"] = str(getattr(nv, "__version__", "unknown"))
    return out


def _training_sources(model: Any) -> list[dict]:
    """``[{file, task}]`` the model was trained on (single-source or multi-source metadata)."""
    trained = (getattr(model, "meta", None) or {}).get("trained_on") or {}
    return [s for s in [trained, *trained.get("sources", [])] if isinstance(s, dict) and s.get("file")]


def _selection_text(model: Any) -> str:
    """The parts of the model card's ``selection_data`` that name data used for model selection."""
    text = str(((getattr(model, "card", None) or {}).get("selection_data")) or "")
    return "; ".join(part.strip() for part in text.split(";") if part.strip() and "not used" not in part)


#: how model cards name each search space
_SPACE_NAMES = {"nasbench101": ("NAS-Bench-101", "NB101"), "nasbench201": ("NAS-Bench-201", "NB201"),
                "nasbench301": ("NAS-Bench-301", "NB301"), "transbench101_micro": ("TransNAS-Bench-101", "TNB101")}


def evaluation_caution(model: Any, files: list[str], task: str | None = None, space: str | None = None) -> str | None:
    """One line when TG-NAS is evaluated on data it was trained or selected on (``files`` of ``space`` / ``task``),
    else None: such a correlation is not zero-shot, and every result file and printed summary says so. ``model``
    is the model that scores ``space`` (a bundle's member)."""
    if model is None:
        return None
    seen = [src for src in _training_sources(model) if src["file"] in files]
    if seen:
        tasks = [src.get("task") for src in seen]
        same = task is None or None in tasks or task in tasks
        labels = "" if same else f" (with its {', '.join(sorted(map(str, tasks)))} labels)"
        return (f"IN-SAMPLE: the TG-NAS model was trained on {seen[0]['file']}{labels}, the architectures evaluated "
                "here; this correlation is a training fit, not a zero-shot result")
    evaluation = getattr(model, "evaluation", None)
    if space and callable(evaluation) and evaluation(space) == "in-family":
        families = ", ".join(sorted(model.trained_families()))
        return (f"IN-FAMILY: labels of {space}'s design family trained the TG-NAS model {model.name} (families "
                f"{families}); this correlation is not a zero-shot result (the default model, universal, scores "
                "every labelled benchmark with a member that never saw its family)")
    selection = _selection_text(model)
    if space and any(name in selection for name in _SPACE_NAMES.get(space, ())):
        return (f"NOT HELD OUT: {space} labels were used to select the TG-NAS model ({selection}); this correlation "
                "is not a zero-shot result")
    return None


def record(*apis: Any, model: Any = None, **extra: Any) -> dict:
    """The provenance dict of a result: each offline api's provenance, the TG-NAS model (the member that scored the
    space, and whether zero-shot or in-family), versions, ``extra``; ``caution`` when the member was trained or
    selected on the evaluated data (:func:`evaluation_caution`)."""
    out: dict[str, Any] = {key: value for key, value in extra.items() if value is not None}
    sources = [dict(api.provenance) for api in apis if is_offline(api)]
    if sources:
        out["data"] = sources
    if model is not None:
        tasks = [getattr(api, "dataset", None) for api in apis if is_offline(api)]
        spaces = [getattr(api, "search_space", None) for api in apis if is_offline(api)]
        space = next((s for s in spaces if s), extra.get("space"))
        member = model.scoring_model(space)
        out["tgnas_model"] = {**model.describe(space),
                              "training_files": sorted({s["file"] for s in _training_sources(member)})}
        files = [f for src in sources for f in src.get("files", [])] + list(extra.get("benchmark_files") or [])
        caution = _caution(member, files, next((t for t in tasks if t), extra.get("task")), space)
        if caution:
            out["caution"] = caution
    out["versions"] = versions()
    return out


def _caution(member: Any, files: list[str], task: str | None, space: str | None) -> str | None:
    """:func:`evaluation_caution`, computed and logged once per (model, files, task, space): NASLib's Trainer writes
    its result file every epoch."""
    key = (id(member), tuple(files), task, space)
    if key not in _CAUTIONS:
        _CAUTIONS[key] = evaluation_caution(member, files, task, space)
        if _CAUTIONS[key]:
            logging.getLogger("naslib.tgnas").warning("%s", _CAUTIONS[key])
    return _CAUTIONS[key]


def attach(config: Any, prov: dict) -> None:
    """Set ``config.provenance`` (a CfgNode-compatible value for fvcore configs)."""
    value: Any = prov
    CfgNode = getattr(optional("fvcore.common.config"), "CfgNode", None)
    if CfgNode is not None and isinstance(config, CfgNode):
        value = CfgNode(_cfg_safe(prov))
    try:
        config.provenance = value
    except (AttributeError, TypeError):
        config["provenance"] = value


def _cfg_safe(x: Any) -> Any:
    """Plain values only (CfgNode refuses others); lists of dicts become dicts numbered from 0."""
    x = plain(x, "list", json_safe=True)
    if isinstance(x, dict):
        return {k: _cfg_safe(v) for k, v in x.items()}
    if isinstance(x, list) and any(isinstance(v, dict) for v in x):
        return {str(i): _cfg_safe(v) for i, v in enumerate(x)}
    return x


def _tgnas_model(obj: Any) -> Any:
    """The TG-NAS model behind an evaluator's predictor or a Trainer's optimizer, if TG-NAS is involved."""
    from .predictor import TGNASPredictor, configured_model

    for part in (getattr(obj, "predictor", None), getattr(obj, "optimizer", None)):
        if isinstance(part, TGNASPredictor):
            return part.model
        names = [getattr(part, "method_type", None), *list(getattr(part, "zc_names", None) or [])]
        if any(isinstance(n, str) and (n == "tgnas" or n.startswith("tgnas_")) for n in names):  # fused: tgnas_nwot
            return configured_model()
        if type(part).__name__.startswith("TGNAS") and hasattr(part, "model"):
            return part.model
    return None


def attach_provenance(writer: Any) -> None:
    """The ``provenance`` step: ``writer.config.provenance`` from the writer's apis and its TG-NAS model."""
    config = getattr(writer, "config", None)
    if config is not None:
        holder = getattr(writer, "optimizer", writer)
        apis = [getattr(holder, "dataset_api", None), getattr(holder, "zc_api", None)]
        attach(config, record(*apis, model=_tgnas_model(writer)))


def install() -> list[str]:
    """Make :func:`attach_provenance` a step of NASLib's result hook (idempotent); returns the hooked classes."""
    add_step("provenance", ORDER, attach_provenance)
    return install_result_hook()
