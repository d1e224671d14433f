"""Operator-description dataset for fine-tuning the sentence embedder (TG-NAS §3: related operators close).

Records ``(class, category, text, source)`` built offline and deterministically from the installed PyTorch
(every ``torch.nn`` layer class: its name, the first sentences of its own docstring, template paraphrases) and
from the packaged NAS vocabulary (every canonical op: its aliases and short / medium / long sentences).
The data card is ``DATA_CARD.md`` beside this file.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from dataclasses import dataclass
from functools import lru_cache

from .vocabulary import LENGTHS, canonical_op, derived_description, vocabulary

# torch.nn classes that are containers, wrappers or abstract bases rather than layers
SKIPPED = ("Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Container",
           "DataParallel", "RNNBase", "RNNCellBase")

# first matching pattern wins; unmatched classes fall into "other"
CATEGORY_PATTERNS: tuple[tuple[str, str], ...] = (
    ("loss", r"Loss(2d)?$"),
    ("attention", r"^(Transformer|MultiheadAttention)"),
    ("recurrent", r"^(RNN|LSTM|GRU)(Cell)?$"),
    ("convolution", r"^(Lazy)?Conv(Transpose)?\dd$"),
    ("pooling", r"Pool|Unpool"),
    ("normalization", r"Norm|LRN"),
    ("dropout", r"Dropout"),
    ("padding", r"Pad\dd$"),
    ("upsampling", r"^(Upsampl|PixelShuffle|PixelUnshuffle)"),
    ("linear", r"^(Lazy)?(Bi)?[Ll]inear$"),
    ("identity", r"^Identity$"),
    ("embedding", r"^Embedding"),
    ("activation", r"ReLU|LU$|^(Sigmoid|Tanh|Softmax|Softmax2d|Softmin|LogSoftmax|Softplus|Softsign|Mish|"
                   r"LogSigmoid|Hardswish|Hardsigmoid|Hardtanh|Threshold|Tanhshrink|Hardshrink|Softshrink)$"),
    ("reshape", r"^(Flatten|Unflatten|Fold|Unfold|ChannelShuffle)$"),
    ("distance", r"^(CosineSimilarity|PairwiseDistance)$"),
)

# NAS vocabulary entry -> category (entries not listed are categorised by their own name)
NAS_CATEGORIES = {
    "input": "io", "output": "io", "skip": "identity", "none": "zero",
    "conv3x3": "convolution", "conv1x1": "convolution", "sep_conv_3x3": "convolution", "sep_conv_5x5": "convolution",
    "dil_conv_3x3": "convolution", "dil_conv_5x5": "convolution", "maxpool3x3": "pooling", "avgpool3x3": "pooling",
    "resnet_block": "convolution", "resnet_block_wide": "convolution", "resnet_block_down": "convolution",
    "resnet_block_down_wide": "convolution", "mb_k3_e3": "convolution", "mb_k5_e6": "convolution",
    "downsample_conv_1x1": "convolution",
}

# paraphrase templates per category; {p} is the class's readable phrase, {k} a kernel size, {s} a stride,
# {d} a dilation, {n} a width, {q} a probability; each template is filled with one deterministic choice
TEMPLATES: dict[str, tuple[str, ...]] = {
    "convolution": (
        "{P} layer with a {k}x{k} kernel and stride {s}", "A {k}x{k} {p} followed by batch normalization and ReLU",
        "{P} with kernel size {k}, stride {s} and dilation {d}", "A depthwise separable {p} with a {k}x{k} kernel",
        "A dilated {p} with dilation {d} and a {k}x{k} kernel", "A pointwise 1x1 {p} that mixes channels",
        "ReLU, then a {k}x{k} {p}, then batch normalization"),
    "pooling": (
        "{P} layer with a {k}x{k} window and stride {s}", "{P} that downsamples the feature map by {s}",
        "A {k}x{k} {p} operation without learnable parameters", "{P} over each neighbourhood of the input"),
    "normalization": (
        "{P} layer that normalizes the activations", "A convolution followed by {p} and ReLU",
        "{P} with learnable scale and shift", "{P} applied to the feature map"),
    "activation": (
        "The {p} activation function", "A {p} nonlinearity applied element-wise",
        "{P} activation after batch normalization", "An activation layer computing {p}"),
    "dropout": (
        "{P} with drop probability {q}", "A {p} regularization layer that randomly zeroes elements during training",
        "{P} that is the identity at inference time"),
    "linear": (
        "A fully connected {p} layer with {n} output features", "{P} transformation with a weight matrix and bias",
        "A dense {p} layer followed by ReLU"),
    "recurrent": (
        "A {p} recurrent layer with hidden size {n}", "{P} that processes a sequence step by step",
        "A recurrent {p} with a hidden state"),
    "padding": (
        "{P} adding {k} pixels on each side", "A {p} layer that enlarges the border of the input",
        "{P} applied before a convolution"),
    "upsampling": (
        "{P} by a factor of {s}", "A {p} layer that increases the spatial resolution",
        "{P} in a decoder"),
    "identity": (
        "A placeholder {p} layer that returns its input", "{P} mapping with no parameters",
        "A shortcut that forwards the input unchanged"),
    "attention": (
        "{P} with {h} attention heads", "A {p} block of self-attention and a feed-forward network",
        "{P} with model width {n}"),
    "embedding": (
        "{P} lookup table with {n} entries", "A {p} layer mapping token indices to dense vectors"),
    "loss": (
        "{P} criterion for training", "A loss function computing the {p}", "{P} between prediction and target"),
    "reshape": (
        "{P} operation that rearranges the tensor", "A {p} layer without parameters"),
    "distance": (
        "{P} between two input tensors", "A {p} layer comparing two vectors"),
    "other": (
        "A {p} module", "{P} layer"),
}
_CHOICES = {"k": (1, 3, 5, 7), "s": (1, 2), "d": (1, 2, 4), "n": (64, 128, 256, 512), "q": (0.1, 0.2, 0.5),
            "h": (4, 8)}
HELD_OUT_FRACTION = 0.15


@dataclass(frozen=True, order=True)
class Record:
    """One text describing one operator class."""

    cls: str
    category: str
    text: str
    source: str  # name | phrase | docstring | template | nas_alias | nas_short | nas_medium | nas_long


def category_of(name: str) -> str:
    """Functional category of a torch.nn class name by the pattern table ("other" when nothing matches)."""
    for category, pattern in CATEGORY_PATTERNS:
        if re.search(pattern, name):
            return category
    return "other"


@lru_cache(maxsize=1)
def torch_layer_classes() -> tuple[str, ...]:
    """Every torch.nn Module class of the installed PyTorch except containers and abstract bases, sorted."""
    import torch.nn as nn

    return tuple(sorted(n for n in dir(nn) if isinstance(getattr(nn, n), type)
                        and issubclass(getattr(nn, n), nn.Module) and n not in SKIPPED))


def clean_docstring(doc: str | None, max_sentences: int = 2, max_chars: int = 240) -> str:
    """First sentences of a docstring's first paragraph with rst / math markup stripped ("" if none)."""
    if not doc:
        return ""
    paragraphs = [p for p in re.split(r"\n\s*\n", inspect.cleandoc(doc)) if p.strip()]
    paragraphs = [p for p in paragraphs if not re.match(r"^\s*\w+\(.*\)\s*$", p, re.S)]  # __init__(...) lines
    if not paragraphs:
        return ""
    text = paragraphs[0]
    text = re.sub(r":math:`[^`]*`", "", text)
    text = re.sub(r":\w+:`~?(?:[\w.]*\.)?([^`]+)`", r"\1", text)       # :class:`~torch.nn.Conv2d` -> Conv2d
    text = re.sub(r"`([^`<]+?)\s*<[^>]+>`_*", r"\1", text)              # `title <url>`_ -> title
    text = re.sub(r"`+([^`]*)`+", r"\1", text)
    text = " ".join(text.split())
    sentences = re.split(r"(?<=[.!?])\s+", text)
    out = " ".join(sentences[:max_sentences]).strip()
    if len(out) > max_chars:
        out = sentences[0].strip()[:max_chars].rstrip()
    return out


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _phrase(name: str) -> str:
    """Readable lower-case phrase of a class name: ``MaxPool2d`` -> ``max pooling 2D``."""
    text = derived_description(name)
    first = text.split()[0]
    return text if any(c.isupper() for c in first[1:]) else text[0].lower() + text[1:]


def paraphrases(name: str, category: str) -> list[str]:
    """Template paraphrases of one class, each template filled with choices picked by hashing the name."""
    phrase = _phrase(name)
    out = []
    for i, template in enumerate(TEMPLATES.get(category, TEMPLATES["other"])):
        h = _digest(f"{name}/{i}")
        values = {key: opts[(h >> (4 * j)) % len(opts)] for j, (key, opts) in enumerate(_CHOICES.items())}
        text = template.format(p=phrase, P=phrase[0].upper() + phrase[1:], **values)
        out.append(text)
    return out


def _torch_class_name(name: str) -> str:
    """The dataset class of a torch.nn class: its NAS vocabulary entry if it has one (Identity -> skip)."""
    return canonical_op(name) or name


def torch_records() -> list[Record]:
    """Records for every torch.nn layer class: name, readable phrase, docstring sentences, paraphrases."""
    import torch.nn as nn

    records = []
    for name in torch_layer_classes():
        cls = _torch_class_name(name)
        category = NAS_CATEGORIES.get(cls, category_of(name))
        records.append(Record(cls, category, name, "name"))
        records.append(Record(cls, category, derived_description(name), "phrase"))
        doc = clean_docstring(getattr(nn, name).__dict__.get("__doc__"))
        if doc:
            records.append(Record(cls, category, doc, "docstring"))
        records.extend(Record(cls, category, t, "template") for t in paraphrases(name, category))
    return records


def nas_records() -> list[Record]:
    """Records for every NAS vocabulary entry: each alias and its short / medium / long sentences."""
    records = []
    for canon, entry in vocabulary().items():
        category = NAS_CATEGORIES.get(canon, category_of(canon))
        records.extend(Record(canon, category, alias, "nas_alias") for alias in entry["aliases"])
        records.extend(Record(canon, category, entry[length], f"nas_{length}") for length in LENGTHS)
    return records


def build_dataset(seed: int = 0) -> list[Record]:
    """The whole dataset, sorted; a text claimed by two classes is dropped (``seed`` is kept for API symmetry:
    the build is deterministic and uses no randomness)."""
    del seed
    records = sorted(set(torch_records() + nas_records()))
    owners: dict[str, set[str]] = {}
    for r in records:
        owners.setdefault(r.text, set()).add(r.cls)
    kept, seen = [], set()
    for r in records:
        if len(owners[r.text]) == 1 and (r.cls, r.text) not in seen:
            seen.add((r.cls, r.text))
            kept.append(r)
    return kept


@lru_cache(maxsize=1)
def held_out_classes() -> tuple[str, ...]:
    """~15% of the torch.nn classes, spread over categories: the lowest-hash names of each category with at
    least three classes (NAS vocabulary classes are never held out)."""
    nas = set(vocabulary())
    by_category: dict[str, list[str]] = {}
    for name in torch_layer_classes():
        cls = _torch_class_name(name)
        if cls not in nas:
            by_category.setdefault(category_of(name), []).append(cls)
    held = []
    for category in sorted(by_category):
        names = sorted(by_category[category], key=lambda n: (_digest(n), n))
        if len(names) >= 3:
            held.extend(names[: max(1, round(HELD_OUT_FRACTION * len(names)))])
    return tuple(sorted(held))


def dataset_summary(records: list[Record]) -> dict[str, int]:
    """Counts for the data card: records, classes, categories, held-out classes, records per source."""
    out = {"records": len(records), "classes": len({r.cls for r in records}),
           "categories": len({r.category for r in records}), "held_out_classes": len(held_out_classes())}
    for r in records:
        out[f"source:{r.source}"] = out.get(f"source:{r.source}", 0) + 1
    return out
