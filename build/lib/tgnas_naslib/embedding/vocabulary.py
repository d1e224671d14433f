"""Operator vocabulary: op name -> short / medium / long text description (unknown names get a derived one)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

LENGTHS = ("short", "medium", "long")
VOCAB_FILE = Path(__file__).with_name("vocabulary.json")

# abbreviation -> words, for describing operator names nobody put in the vocabulary
_WORDS = {
    "conv": "convolution", "convolution": "convolution", "sep": "separable", "dw": "depthwise",
    "depthwise": "depthwise", "dil": "dilated", "dilated": "dilated", "bn": "batch normalization",
    "batchnorm": "batch normalization", "ln": "layer normalization", "layernorm": "layer normalization",
    "gn": "group normalization", "relu": "ReLU", "relu6": "ReLU6", "gelu": "GELU", "silu": "SiLU",
    "swish": "swish", "sigmoid": "sigmoid", "tanh": "tanh", "avg": "average", "max": "max", "pool": "pooling",
    "pooling": "pooling", "maxpool": "max pooling", "avgpool": "average pooling", "skip": "skip",
    "connect": "connection", "id": "identity", "identity": "identity", "zero": "zero", "none": "zero",
    "fc": "fully connected", "linear": "linear", "mlp": "multilayer perceptron", "attn": "attention",
    "att": "attention", "mbconv": "inverted residual convolution", "se": "squeeze and excitation",
    "nor": "", "op": "", "bias": "with bias", "transpose": "transposed", "upsample": "upsampling",
    "drop": "dropout", "dropout": "dropout", "res": "residual", "block": "block", "basic": "basic",
    "bottleneck": "bottleneck", "concat": "concatenation", "cat": "concatenation", "add": "addition",
    "flatten": "flatten", "lstm": "LSTM", "gru": "GRU", "rnn": "recurrent", "emb": "embedding",
    "norm": "normalization", "leakyrelu": "leaky ReLU", "prelu": "PReLU", "hardswish": "hard swish",
}
_KERNEL = re.compile(r"^(\d+)x(\d+)$")


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, dict]:
    """The packaged vocabulary: canonical op -> {aliases, short, medium, long}."""
    data = json.loads(VOCAB_FILE.read_text())
    return {k: v for k, v in data.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def alias_table() -> dict[str, str]:
    """Every known operator name (alias) -> its canonical vocabulary entry."""
    table: dict[str, str] = {}
    for canon, entry in vocabulary().items():
        for alias in entry["aliases"]:
            table[alias] = canon
            table[alias.lower()] = canon
    return table


def canonical_op(name: str) -> str | None:
    """The vocabulary entry an operator name belongs to, or None for an unknown operator."""
    table = alias_table()
    return table.get(name) or table.get(name.lower())


def tokenize(name: str) -> list[str]:
    """Split an operator name into words: ``sep_conv_7x7`` -> sep conv 7x7, ``Conv2d`` -> conv 2d."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)           # CamelCase
    spaced = re.sub(r"(?<=[A-Za-z])(?=\d+x\d+)", " ", spaced)      # conv3x3 -> conv 3x3
    spaced = re.sub(r"(?<=[A-Za-z])(?=\dd\b)", " ", spaced)        # conv2d -> conv 2d
    return [t for t in re.split(r"[\s_\-.:/,()\[\]]+", spaced) if t]


def is_sentence(name: str) -> bool:
    """Whether an operator name is already a readable phrase (it contains a space) and is used as-is.

    Traced ``torch.nn.Module`` layers are named that way (``Conv2d 3x3 stride 2, 64 to 128 channels``,
    ``Global average pooling``; see ``tgnas_naslib.modules``); op names of the search spaces have no spaces.
    """
    return any(c.isspace() for c in name.strip())


def derived_description(name: str) -> str:
    """A description for an operator missing from the vocabulary, derived from its name (a phrase: itself)."""
    if is_sentence(name):
        return " ".join(name.split())
    whole = _WORDS.get(name.strip().lower())  # ReLU, SiLU, LeakyReLU: one word the CamelCase split would break
    if whole:
        return whole[0].upper() + whole[1:]
    words = []
    for tok in tokenize(name):
        low = tok.lower()
        k = _KERNEL.match(low)
        if k:
            words.append(f"{k.group(1)}x{k.group(2)}")
        elif low in ("1d", "2d", "3d"):
            words.append(low.upper())
        elif low in _WORDS:
            if _WORDS[low]:
                words.append(_WORDS[low])
        else:
            words.append(tok)
    text = " ".join(words).strip() or name.strip()
    return text[0].upper() + text[1:]


def describe(name: str, length: str = "short") -> str:
    """The text description of an operator at the given sentence length (short / medium / long)."""
    if length not in LENGTHS:
        raise ValueError(f"unknown sentence length {length!r}; choose from {LENGTHS}")
    canon = canonical_op(name)
    if canon is not None:
        return vocabulary()[canon][length]
    base = derived_description(name)
    if length == "short":
        return base
    first = base.split()[0]
    lower = base if any(c.isupper() for c in first[1:]) else base[0].lower() + base[1:]  # keep ReLU, LSTM
    if length == "medium":
        return f"A {lower} operation"
    return f"A neural network layer that applies a {lower} operation to the feature map."
