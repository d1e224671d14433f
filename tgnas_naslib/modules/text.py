"""Operator text for traced layers: a module or a functional op -> (text, kind, folded text).

The text is the node's operator name in the :class:`~tgnas_naslib.graph.ArchGraph`; it is a short readable
phrase built from the class and its hyper-parameters (``Conv2d 3x3 stride 2, 64 to 128 channels``,
``MaxPool2d 3x3 stride 2``, ``Linear 512 to 10``, ``Add``), which the vocabulary uses as its own description.

Each op also gets its canonical *part* (:mod:`tgnas_naslib.network.parts`: ``3x3 convolution``, no channels or
stride), which names nodes in the ``network`` representation. The *kind* drives graph folding
(:mod:`tgnas_naslib.network.fold`):

``conv`` / ``linear``  weight layers (norms and activations fold into them)
``norm`` / ``act``     foldable into the layer before (or, for pre-activation, after) them
``merge``              add / cat / stack of two or more tensors
``soft``               identity-like (Identity, Dropout, Flatten, ``x + 0``): a node only with ``collapse=False``
``plumb``              view / reshape / getitem / size ...: never a node, always an edge
``zero``               multiplication by the constant 0: no data flows (NAS-Bench-201's ``none``)
``const``              creates a tensor that does not depend on its inputs' values (``zeros_like``): no data flow
``op``                 anything else
"""

from __future__ import annotations

from typing import Any

from torch import nn

from ..network import parts
from ..network.raw import OpInfo

__all__ = ["OpInfo", "TensorArg", "OtherArg", "module_info", "function_info", "function_name"]


class TensorArg:
    """Stands for a tensor argument (functional ops are described from literals and tensor markers only)."""

    def __init__(self, rank: int | None = None) -> None:
        self.rank = rank

    def __repr__(self) -> str:
        return f"TensorArg(rank={self.rank})"


class OtherArg:
    """Stands for a traced non-tensor value (a size, a shape...)."""


def _pair(v: Any) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


def _kernel(k: Any) -> str:
    k = _pair(k)
    if len(k) == 1:
        return f"{k[0]}x{k[0]}"
    return "x".join(str(int(x)) for x in k)


def _scalar(v: Any) -> str:
    v = _pair(v)
    return str(v[0]) if all(x == v[0] for x in v) else "x".join(str(x) for x in v)


_NORM_FOLD = {
    "BatchNorm": "batch norm", "SyncBatchNorm": "batch norm", "LayerNorm": "layer norm",
    "GroupNorm": "group norm", "InstanceNorm": "instance norm", "RMSNorm": "RMS norm",
}
#: identity-like for the graph: data passes unchanged in meaning (zero / reflection padding only frames the map)
_SOFT_MODULES = (nn.Identity, nn.Flatten, nn.Unflatten, nn.modules.dropout._DropoutNd,
                 nn.modules.padding._ConstantPadNd, nn.modules.padding._ReflectionPadNd,
                 nn.modules.padding._ReplicationPadNd)
_NOT_ACTIVATIONS = {"Softmax", "LogSoftmax", "Softmin", "Softmax2d", "MultiheadAttention"}


def module_info(m: nn.Module) -> OpInfo:
    """Text and kind of a leaf module, from its class and hyper-parameters."""
    cls = type(m).__name__
    if isinstance(m, nn.modules.conv._ConvNd):
        k = _kernel(m.kernel_size)
        depthwise = m.groups > 1 and m.groups == m.in_channels
        text = f"{cls} {k}" + (" depthwise" if depthwise else "") + f" stride {_scalar(m.stride)}"
        if any(d != 1 for d in _pair(m.dilation)):
            text += f" dilation {_scalar(m.dilation)}"
        if m.groups > 1 and not depthwise:
            text += f" {m.groups} groups"
        if depthwise and m.out_channels == m.in_channels:
            text += f", {m.in_channels} channels"
        else:
            text += f", {m.in_channels} to {m.out_channels} channels"
        dims = len(_pair(m.kernel_size))
        dilation = max(int(d) for d in _pair(m.dilation))
        part = parts.conv(m.kernel_size, m.groups, m.in_channels, dilation,
                          isinstance(m, nn.modules.conv._ConvTransposeNd), dims)
        return OpInfo(text, "conv", "", part)
    if isinstance(m, nn.Linear):
        return OpInfo(f"{cls} {m.in_features} to {m.out_features}", "linear", "", parts.LINEAR)
    for prefix, fold in _NORM_FOLD.items():
        if cls.startswith(prefix):
            return OpInfo(cls, "norm", fold, parts.norm(cls))
    if isinstance(m, _SOFT_MODULES):
        return OpInfo(cls, "soft")
    if type(m).__module__ == "torch.nn.modules.activation" and cls not in _NOT_ACTIVATIONS:
        return OpInfo(cls, "act", cls, parts.activation(cls))
    if isinstance(m, (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd)):
        stride = m.stride if m.stride not in (None, ()) else m.kernel_size
        kind = "max" if "Max" in cls else "avg"
        return OpInfo(f"{cls} {_kernel(m.kernel_size)} stride {_scalar(stride)}", "op", "",
                      parts.pool(kind, m.kernel_size))
    if isinstance(m, (nn.modules.pooling._AdaptiveAvgPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd)):
        size = _pair(m.output_size)
        kind = "average" if "Avg" in cls else "max"
        if all(s == 1 for s in size):
            return OpInfo(f"Global {kind} pooling", "op", "",
                          parts.GLOBAL_AVG if kind == "average" else parts.GLOBAL_MAX)
        return OpInfo(f"{cls} to {_kernel(size)}", "op", "", f"adaptive {kind} pooling to {_kernel(size)}")
    if isinstance(m, nn.Upsample):
        scale = f" x{_scalar(m.scale_factor)}" if m.scale_factor is not None else ""
        return OpInfo(f"Upsample{scale} {m.mode}", "op", "", f"{m.mode} upsampling{scale}")
    if isinstance(m, nn.Embedding):
        return OpInfo(f"Embedding {m.num_embeddings} to {m.embedding_dim}", "linear", "", "embedding table")
    if isinstance(m, nn.RNNBase):
        return OpInfo(f"{cls} {m.input_size} to {m.hidden_size}, {m.num_layers} layers", "op", "",
                      f"{cls} with {m.num_layers} layers")
    if isinstance(m, nn.MultiheadAttention):
        return OpInfo(f"{cls} {m.embed_dim} dims, {m.num_heads} heads", "op", "",
                      f"multi-head attention with {m.num_heads} heads")
    if isinstance(m, (nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)):
        attn = m.self_attn
        kind = "encoder" if isinstance(m, nn.TransformerEncoderLayer) else "decoder"
        return OpInfo(f"{cls} {attn.embed_dim} dims, {attn.num_heads} heads, feed-forward {m.linear1.out_features}",
                      "op", "", f"transformer {kind} layer with {attn.num_heads} heads")
    return OpInfo(cls, "op", "", cls)


# functional ops ---------------------------------------------------------------------------------------------------
#: shape / layout / indexing / bookkeeping: always collapsed into edges
PLUMBING = frozenset({
    "getitem", "getattr", "get", "size", "dim", "numel", "view", "view_as", "reshape", "reshape_as", "contiguous",
    "to", "type", "type_as", "float", "double", "half", "bfloat16", "cpu", "cuda", "detach", "clone",
    "expand", "expand_as", "squeeze", "unsqueeze", "permute", "transpose", "t", "movedim", "narrow", "select",
    "chunk", "split", "unbind", "tensor_split", "requires_grad", "align_as", "unflatten", "as_strided",
    "index_select", "masked_select",
})
#: tensors whose values do not depend on their inputs' values
CONSTANT = frozenset({
    "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like", "randint_like", "new_zeros",
    "new_ones", "new_full", "new_empty", "new_tensor", "zeros", "ones", "full", "empty", "arange", "rand",
    "randn", "tensor", "eye", "linspace",
})
_ACTS = {
    "relu": "ReLU", "relu6": "ReLU6", "gelu": "GELU", "silu": "SiLU", "sigmoid": "Sigmoid", "tanh": "Tanh",
    "hardswish": "Hardswish", "hardsigmoid": "Hardsigmoid", "leaky_relu": "LeakyReLU", "elu": "ELU",
    "selu": "SELU", "mish": "Mish", "softplus": "Softplus", "hardtanh": "Hardtanh", "prelu": "PReLU",
}
_NAMED = {
    "sub": "Subtract", "rsub": "Subtract", "div": "Divide", "truediv": "Divide", "floordiv": "Divide",
    "matmul": "Matrix multiply", "mm": "Matrix multiply", "bmm": "Matrix multiply", "einsum": "Einsum",
    "softmax": "Softmax", "log_softmax": "LogSoftmax", "sum": "Sum", "max": "Max", "min": "Min",
    "neg": "Negate", "pow": "Power", "sqrt": "Square root", "exp": "Exp", "abs": "Abs", "interpolate": "Upsample",
    "linear": "Linear", "conv1d": "Conv1d", "conv2d": "Conv2d", "conv3d": "Conv3d",
    "embedding": "Embedding", "scaled_dot_product_attention": "Scaled dot-product attention",
    "layer_norm": "LayerNorm", "batch_norm": "BatchNorm", "group_norm": "GroupNorm",
}
_SOFT_FUNCS = {"flatten": "Flatten", "dropout": "Dropout", "dropout2d": "Dropout", "alpha_dropout": "Dropout",
               "identity": "Identity", "pad": "Pad"}


def function_name(target: Any) -> str:
    """Normalised name of a traced function or method: ``operator.iadd`` / ``Tensor.add_`` / ``torch.add`` -> add."""
    name = target if isinstance(target, str) else getattr(target, "__name__", type(target).__name__)
    name = name.strip("_")  # add_ (in place) -> add, __iadd__ -> iadd
    if name in ("iadd", "radd"):
        return "add"
    if name in ("imul", "rmul"):
        return "mul"
    if name in ("isub",):
        return "sub"
    if name in ("itruediv", "rtruediv", "idiv"):
        return "div"
    if name in ("concat", "concatenate"):
        return "cat"
    return name


def _tensors_in(v: Any) -> int:
    if isinstance(v, TensorArg):
        return 1
    if isinstance(v, (list, tuple)):
        return sum(_tensors_in(x) for x in v)
    if isinstance(v, dict):
        return sum(_tensors_in(x) for x in v.values())
    return 0


def _first_rank(args: tuple) -> int | None:
    for a in args:
        if isinstance(a, TensorArg):
            return a.rank
    return None


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.split("_") if p) or name


def function_info(target: Any, args: tuple, kwargs: dict) -> OpInfo:
    """Text and kind of a functional op; tensors in ``args``/``kwargs`` are :class:`TensorArg` markers."""
    name = function_name(target)
    n_tensors = _tensors_in(args) + _tensors_in(kwargs)
    numbers = [a for a in args if isinstance(a, (int, float)) and not isinstance(a, bool)]
    if name in PLUMBING:
        return OpInfo(name, "plumb")
    if name in CONSTANT:
        return OpInfo(name, "const")
    if name in ("add", "mul", "sub", "div"):
        if name == "mul" and any(x == 0 for x in numbers):
            return OpInfo("Multiply by zero", "zero")
        if n_tensors == 1 and numbers and all(x == (1 if name in ("mul", "div") else 0) for x in numbers):
            return OpInfo("Add" if name in ("add", "sub") else "Multiply", "soft")  # x + 0, x * 1: identity
        if name == "add":
            return OpInfo("Add", "merge" if n_tensors >= 2 else "op", "",
                          parts.ADD if n_tensors >= 2 else "add constant")
        if name == "mul":
            return OpInfo("Multiply", "op", "", "elementwise multiplication")
    if name in ("cat", "stack"):
        return OpInfo("Concat" if name == "cat" else "Stack", "merge" if n_tensors >= 2 else "soft", "",
                      parts.CONCAT if name == "cat" else "stacking")
    if name in _ACTS:
        return OpInfo(_ACTS[name], "act", _ACTS[name], parts.activation(_ACTS[name]))
    if name in _SOFT_FUNCS:
        return OpInfo(_SOFT_FUNCS[name], "soft")
    if name in ("max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d"):
        kernel = args[1] if len(args) > 1 else kwargs.get("kernel_size")
        stride = args[2] if len(args) > 2 else kwargs.get("stride")
        cls = ("MaxPool" if name.startswith("max") else "AvgPool") + name[-2:]
        kind = "max" if name.startswith("max") else "avg"
        if kernel is None or isinstance(kernel, (TensorArg, OtherArg)):
            return OpInfo(cls, "op", "", f"{'max' if kind == 'max' else 'average'} pooling")
        stride = kernel if stride in (None, ()) or isinstance(stride, (TensorArg, OtherArg)) else stride
        return OpInfo(f"{cls} {_kernel(kernel)} stride {_scalar(stride)}", "op", "", parts.pool(kind, kernel))
    if name.startswith("adaptive_"):
        size = args[1] if len(args) > 1 else kwargs.get("output_size")
        kind = "average" if "avg" in name else "max"
        if isinstance(size, (int, tuple, list)) and all(s == 1 for s in _pair(size)):
            return OpInfo(f"Global {kind} pooling", "op", "",
                          parts.GLOBAL_AVG if kind == "average" else parts.GLOBAL_MAX)
        return OpInfo(_camel(name), "op", "", f"adaptive {kind} pooling")
    if name == "mean":
        dims = args[1] if len(args) > 1 else kwargs.get("dim")
        rank = _first_rank(args)
        if rank is not None and rank >= 3 and isinstance(dims, (tuple, list)):
            spatial = {d % rank for d in dims if isinstance(d, int)}
            if spatial == set(range(2, rank)):
                return OpInfo("Global average pooling", "op", "", parts.GLOBAL_AVG)
        return OpInfo("Mean", "op", "", "mean")
    if name in _NAMED:
        text = _NAMED[name]
        if name in ("layer_norm", "batch_norm", "group_norm"):
            return OpInfo(text, "norm", text.replace("Norm", " norm").lower(), parts.norm(text))
        if name == "linear":
            return OpInfo(text, "linear", "", parts.LINEAR)
        if name in ("conv1d", "conv2d", "conv3d"):
            return OpInfo(text, "linear", "", "convolution")
        return OpInfo(text, "op", "", text[:1].lower() + text[1:] if not text[1:2].isupper() else text)
    return OpInfo(_camel(name), "op", "", _camel(name))

