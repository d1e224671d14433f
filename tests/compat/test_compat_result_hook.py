"""One hook on NASLib's result writers, with ordered steps and the compat layer's one patch marker; a result file
is whole or absent; the caution is computed, logged and written once."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import NEEDS_NASLIB, naslib_importable

pytestmark = pytest.mark.skipif(not naslib_importable(), reason=NEEDS_NASLIB)

PLUGIN = Path(__file__).resolve().parents[2] / "tgnas_naslib" / "naslib"


def test_each_writer_is_hooked_once_with_the_steps_in_order():
    import importlib

    import tgnas_naslib.naslib  # noqa: F401  (installs everything)
    from tgnas_naslib.naslib.compat import _result_hook as hook
    from tgnas_naslib.naslib.compat._marker import is_ours

    assert hook.steps() == ["plain", "provenance"]
    for module, cls_name, _ in hook.WRITERS:
        writer = getattr(importlib.import_module(module), cls_name)._log_to_json
        assert is_ours(writer) and not is_ours(writer.original), cls_name  # one wrapper, around NASLib's own
        assert writer.original.__module__ == module
    tgnas_naslib.naslib.register()  # idempotent: still one wrapper
    assert not is_ours(getattr(importlib.import_module(hook.WRITERS[0][0]), hook.WRITERS[0][1])._log_to_json.original)


def test_one_patch_marker_in_the_plugin():
    """Every patch of NASLib is marked with compat._marker.MARK (no private 'already patched' flags)."""
    flags = [(p.name, m) for p in PLUGIN.rglob("*.py")
             for m in re.findall(r"^\s*\w+\.(tgnas\w*) = True", p.read_text(), re.M)]
    assert flags == []


def test_a_result_file_interrupted_while_written_is_removed(tmp_path, monkeypatch):
    from fvcore.common.config import CfgNode
    from naslib.defaults import predictor_evaluator as pe

    import tgnas_naslib.naslib  # noqa: F401

    evaluator = pe.PredictorEvaluator.__new__(pe.PredictorEvaluator)
    evaluator.config = CfgNode({"save": str(tmp_path), "seed": 0})
    evaluator.results = [evaluator.config, {"mae": np.float32(0.5)}]  # NASLib's layout: [config, results...]
    (tmp_path / "errors.json").write_text("[an older, whole result]")

    def half_then_ctrl_c(obj, fh, **kw):
        fh.write('[{"seed": 0}, {"ma')
        raise KeyboardInterrupt

    monkeypatch.setattr(pe.json, "dump", half_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        evaluator._log_to_json()
    assert not (tmp_path / "errors.json").exists()  # NASLib had truncated it: nothing half-written stays
    monkeypatch.undo()
    evaluator._log_to_json()
    config, result = json.loads((tmp_path / "errors.json").read_text())[:2]
    assert result == {"mae": 0.5} and "provenance" in config


def test_the_caution_is_computed_and_logged_once(caplog):
    import logging

    from tgnas_naslib import TGNAS
    from tgnas_naslib.naslib import provenance

    model = TGNAS.pretrained("nb101")
    calls = []
    real = provenance.evaluation_caution
    provenance._CAUTIONS.clear()
    with caplog.at_level(logging.WARNING, logger="naslib.tgnas"):
        for _ in range(3):  # NASLib's Trainer writes its result file every epoch
            provenance.evaluation_caution = lambda *a: calls.append(a) or real(*a)
            try:
                prov = provenance.record(model=model, benchmark_files=["nasbench101/zc_nasbench101_500.json"],
                                         space="nasbench101", task="cifar10")
            finally:
                provenance.evaluation_caution = real
            assert prov["caution"].startswith("IN-SAMPLE")
    assert len(calls) == 1 and sum("IN-SAMPLE" in r.getMessage() for r in caplog.records) == 1
