"""Scoring any torch.nn.Module: tracing into a DAG (fx and the hooks fallback), collapsing, errors, API and CLI."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from tgnas_naslib.cli import main
from tgnas_naslib.embedding import describe
from tgnas_naslib.graph import ArchitectureError
from tgnas_naslib.modules import module_graph as _module_graph
from tgnas_naslib.modules import trace, zoo
from tgnas_naslib.modules import trace_module as _trace_module


# these tests pin the legacy ("prune") node texts that the NB101-trained models read; the ``network`` representation
# of traced modules is tested in test_network.py
def module_graph(*args, **kwargs):
    return _module_graph(*args, representation=kwargs.pop("representation", "prune"), **kwargs)


def trace_module(*args, **kwargs):
    return _trace_module(*args, representation=kwargs.pop("representation", "prune"), **kwargs)

SHAPE = (1, 3, 8, 8)


class Small(nn.Module):
    """conv-bn-relu stem, a residual add, a 1x1 conv, a 3-way cat, pooling, flatten, linear."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.a = nn.Conv2d(8, 8, 3, padding=1)
        self.b = nn.Conv2d(8, 8, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(0.1)
        self.fc = nn.Linear(24, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn(self.stem(x)))
        y = self.a(x) + x
        z = self.b(y)
        c = torch.cat([x, y, z], dim=1)
        return self.fc(self.drop(torch.flatten(self.pool(c), 1)))


class Branchy(nn.Module):
    """Data-dependent control flow: torch.fx cannot trace it; on a zero input the else branch runs."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(8, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if x.sum() > 0:
            return self.conv2(torch.cat([x, x * 2], 1))
        return self.conv2(torch.cat([x, torch.relu(x)], 1)).mean((2, 3))


class Broken(nn.Module):
    """Neither traceable (control flow) nor runnable (a Linear on a 4-D image)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(10, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            x = x * 2
        return self.fc(x)


def _preds(g, i: int) -> list[str]:
    return sorted(g.ops[a] for a, b in g.edges if b == i)


def _no_fx(monkeypatch) -> None:
    def boom(model):
        raise RuntimeError("fx disabled for this test")

    monkeypatch.setattr(trace, "fx_trace", boom)


@pytest.mark.parametrize("use_fx", [True, False])
def test_residual_add_and_concat_give_the_right_dag(use_fx, monkeypatch):
    if not use_fx:
        _no_fx(monkeypatch)
    tm = trace_module(Small(), SHAPE)
    g = tm.graph
    assert tm.method == ("fx" if use_fx else "hooks")
    stem = "Conv2d 3x3 stride 1, 3 to 8 channels, batch norm, ReLU"
    a = "Conv2d 3x3 stride 1, 8 to 8 channels"
    b = "Conv2d 1x1 stride 1, 8 to 8 channels"
    assert list(g.ops) == ["input", stem, a, "Add", b, "Concat", "Global average pooling", "Linear 24 to 10",
                           "output"]
    assert g.num_nodes == 9 and len(g.edges) == 11
    add, cat = g.ops.index("Add"), g.ops.index("Concat")
    assert _preds(g, add) == sorted([stem, a])          # the residual: conv branch + identity
    assert _preds(g, cat) == sorted([stem, "Add", b])   # in-degree 3
    assert _preds(g, g.ops.index("output")) == ["Linear 24 to 10"]
    assert tm.names[1] == "stem" and tm.names[add].endswith("add")


def test_without_collapse_every_layer_is_a_node():
    g = module_graph(Small(), SHAPE, collapse=False)
    assert list(g.ops) == ["input", "Conv2d 3x3 stride 1, 3 to 8 channels", "BatchNorm2d", "ReLU",
                           "Conv2d 3x3 stride 1, 8 to 8 channels", "Add", "Conv2d 1x1 stride 1, 8 to 8 channels",
                           "Concat", "Global average pooling", "Flatten", "Dropout", "Linear 24 to 10", "output"]
    assert _preds(g, g.ops.index("BatchNorm2d")) == ["Conv2d 3x3 stride 1, 3 to 8 channels"]


def test_collapse_folds_norms_activations_and_cuts_zero_ops():
    # ResNet-18: conv+bn+relu one node, the post-add ReLU folds into the add
    g = module_graph(zoo.resnet18(num_classes=10), (1, 3, 32, 32))
    assert "Conv2d 3x3 stride 1, 64 to 64 channels, batch norm, ReLU" in g.ops
    assert "Conv2d 3x3 stride 1, 64 to 64 channels, batch norm" in g.ops
    assert g.ops.count("Add, ReLU") == 8 and not any(op in ("BatchNorm2d", "ReLU") for op in g.ops)
    assert g.num_nodes == 33
    # NB201 (pre-activation ReLU-Conv-BN): the ReLU folds in front of its conv
    conv3 = "ReLU, Conv2d 3x3 stride 1, 16 to 16 channels, batch norm"
    g = module_graph(zoo.nb201_network((2, 2, 2, 2, 2, 2), N=1), (1, 3, 32, 32))
    assert g.ops.count(conv3) == 6
    # `none` is x * 0: no data flows, and a cell of only `none` leaves no input->output path
    assert not module_graph(zoo.nb201_network((1, 1, 1, 1, 1, 1), N=1), (1, 3, 32, 32)).is_connected
    # skip-only cell: identity edges, so only the stem, the reductions and the head remain
    g = module_graph(zoo.nb201_network((0, 0, 0, 0, 0, 0), N=1), (1, 3, 32, 32))
    assert g.is_connected and not any("16 to 16" in op for op in g.ops)


@pytest.mark.parametrize("make", [lambda: zoo.resnet18(num_classes=10), lambda: zoo.mobilenet_v2(num_classes=10),
                                  lambda: zoo.nb201_network((2, 1, 4, 0, 3, 1), N=1)])
def test_hooks_fallback_matches_fx_on_the_zoo(make, monkeypatch):
    model = make()
    fx = trace_module(model, (1, 3, 32, 32))
    _no_fx(monkeypatch)
    hooks = trace_module(model, (1, 3, 32, 32))
    assert (fx.method, hooks.method) == ("fx", "hooks")
    assert fx.graph == hooks.graph
    assert trace_module(model, (1, 3, 32, 32), collapse=False).graph.num_nodes > fx.graph.num_nodes


def test_data_dependent_control_flow_falls_back_to_hooks():
    model = Branchy().train()
    tm = trace_module(model, SHAPE)
    assert tm.method == "hooks" and "torch.fx could not trace it" in tm.fallback_reason
    g = tm.graph
    # zero input: conv -> relu and conv -> cat, cat -> conv2 -> spatial mean -> output
    assert list(g.ops) == ["input", "Conv2d 3x3 stride 1, 3 to 4 channels", "ReLU", "Concat",
                           "Conv2d 1x1 stride 1, 8 to 4 channels", "Global average pooling", "output"]
    assert _preds(g, 3) == ["Conv2d 3x3 stride 1, 3 to 4 channels", "ReLU"]
    assert model.training and model.conv.training  # train/eval flags are restored


def test_unusable_modules_and_shapes_are_clear_errors():
    with pytest.raises(ArchitectureError) as err:
        module_graph(Broken(), SHAPE)
    msg = str(err.value)
    assert "Broken" in msg and "torch.fx could not trace it" in msg and "failed" in msg
    assert "\n" not in msg and "Traceback" not in msg
    # traceable, but the shape does not fit (4 channels into a 3-channel stem)
    with pytest.raises(ArchitectureError, match=r"Small .*input_shape \(1, 4, 8, 8\)"):
        module_graph(Small(), (1, 4, 8, 8))
    for bad in [(), (1, -3, 8, 8), (1, 3.5, 8, 8), "1,3,8,8", 5, (1, 3, 100_000, 100_000)]:
        with pytest.raises(ArchitectureError, match="input_shape"):
            module_graph(Small(), bad)
    with pytest.raises(ArchitectureError, match="torch.nn.Module"):
        module_graph(lambda x: x, SHAPE)


def test_a_bare_layer_is_a_one_node_graph():
    g = module_graph(nn.Conv2d(3, 8, 3, stride=2, groups=1), SHAPE)
    assert list(g.ops) == ["input", "Conv2d 3x3 stride 2, 3 to 8 channels", "output"]
    depthwise = module_graph(nn.Conv2d(8, 8, 3, groups=8), (1, 8, 4, 4))
    assert depthwise.ops[1] == "Conv2d 3x3 depthwise stride 1, 8 channels"


def test_op_texts_are_their_own_descriptions():
    assert describe("Conv2d 3x3 stride 2, 64 to 128 channels") == "Conv2d 3x3 stride 2, 64 to 128 channels"
    assert describe("ReLU") == "ReLU" and describe("Add") == "Addition" and describe("Concat") == "Concatenation"
    assert describe("skip_connect") == "Residual connection"  # known names keep their vocabulary text


@pytest.fixture(scope="module")
def tgnas():
    from tgnas_naslib import TGNAS

    return TGNAS.pretrained()


def test_score_module_resnet18(tgnas):
    score = tgnas.score_module(zoo.resnet18(), (1, 3, 32, 32))
    assert isinstance(score, float) and math.isfinite(score)
    assert tgnas.score_module(zoo.nb201_network((1, 1, 1, 1, 1, 1), N=1)) == float("-inf")


def test_cli_module(capsys, tgnas):
    assert main(["score", "--module", "tgnas_naslib.modules.zoo:resnet18", "--input-shape", "1,3,32,32", "-v"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["score", "nodes", "module"]
    score, nodes = out[1].split()[:2]
    # the default bundle reads the traced network as a skeleton: every repeat kept (33 nodes), blocks from scopes
    assert int(nodes) == 33 and float(score) == pytest.approx(tgnas.score_module(zoo.resnet18()), abs=1e-4)
    assert any("7x7 convolution, batch normalization, ReLU  [stem.0.0]" in line for line in out)
    assert main(["score", "--module", "tgnas_naslib.modules.zoo:resnet18", "--checkpoint", "nb101", "-v"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert int(out[1].split()[1]) == 33  # the cell model's traced graph
    assert any("Conv2d 7x7 stride 2, 3 to 64 channels, batch norm, ReLU" in line for line in out)
    assert main(["score", "--module", "tgnas_naslib.modules.zoo:mobilenet_v2", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["class"] == "MobileNetV2" and doc["method"] == "fx" and math.isfinite(doc["score"])


@pytest.mark.parametrize("argv,match", [
    (["score", "--module", "tgnas_naslib.modules.zoo"], "package.module:attribute"),
    (["score", "--module", "tgnas_naslib.no_such_module:x"], "cannot import"),
    (["score", "--module", "tgnas_naslib.modules.zoo:nope"], "has no attribute"),
    (["score", "--module", "tgnas_naslib.modules.trace:SPACE"], "not a torch.nn.Module"),
    (["score", "--module", "tgnas_naslib.modules.zoo:resnet18", "--input-shape", "1,x"], "--input-shape"),
    (["score", "--module", "tgnas_naslib.modules.zoo:resnet18", "--input-shape", "1,4,32,32"], "input_shape"),
    (["score", "--module", "tgnas_naslib.modules.zoo:resnet18", "--space", "nb201"], "do not combine"),
    (["score", "--arch", "(1, 1, 1, 1, 1, 1)"], "--space"),
])
def test_cli_module_errors_are_one_clear_line(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and "Traceback" not in err
