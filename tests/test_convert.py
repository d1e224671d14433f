"""Issue 28: one numpy -> plain Python converter, with the options where its users genuinely differ."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tgnas_naslib.convert import plain

NESTED = {"a": np.int64(3), 7: [np.float32(0.5), (np.int8(1), np.array([[1, 2], [3, 4]]))], "nan": np.float64("nan")}


def test_architectures_become_hashable_tuples():
    arch = [np.int64(2), [np.int32(1), np.int32(0)], np.array([3, 4])]
    out = plain(arch)
    assert out == (2, (1, 0), (3, 4)) and hash(out) is not None
    assert all(type(v) is int for v in (out[0], *out[1], *out[2]))


def test_naslib_hashes_keep_their_lists():
    h = [[(np.int64(0), np.int64(3)), (1, 2)], np.array([1, 2])]
    out = plain(h, "keep")
    assert str(out) == "[[(0, 3), (1, 2)], (1, 2)]"


def test_json_safe_is_strict_json():
    out = plain(NESTED, "list", json_safe=True)
    assert out == {"a": 3, "7": [0.5, [1, [[1, 2], [3, 4]]]], "nan": None}
    json.dumps(out, allow_nan=False)
    assert plain({"p": Path("/x/y")}, "list", json_safe=True) == {"p": "/x/y"}
    assert plain([math.inf, "x", None, True], "list", json_safe=True) == [None, "x", None, True]


def test_in_place_keeps_the_containers_and_their_types():
    class Node(dict):
        pass

    results = Node(score=np.float32(0.25), preds=[np.float32(1.5)])
    preds = results["preds"]
    out = plain(results, "list", in_place=True)
    assert out is results and type(out) is Node and out["preds"] is preds
    assert out == {"score": 0.25, "preds": [1.5]} and type(out["score"]) is float
    assert math.isnan(plain({"nan": np.float64("nan")}, "list", in_place=True)["nan"])  # JSON-safe only if asked


def test_unknown_sequences_option_is_refused():
    with pytest.raises(ValueError, match="sequences must be one of"):
        plain([1], "set")
