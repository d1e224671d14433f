"""TG-NAS Table 8: cosine similarities of operator descriptions under the base and the tuned embedder."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .vocabulary import describe

# (left, right): op names or phrases, each described by describe(name, "short") (a phrase is used as-is)
TABLE8_PAIRS: tuple[tuple[str, str], ...] = (
    ("conv2x2", "maxpool"),
    ("conv2x2", "A 2D conv layer with a 2x2 kernel."),
    ("Dropout", "BatchNorm2d"),
    ("skip connection", "residual"),
    ("maxpool", "avgpool"),
    ("maxpool", "conv2x2"),
)


def _pair_cosines(vectors: np.ndarray, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str, float]]:
    """(left, right, cosine) for pairs whose two vectors sit at rows 2i and 2i+1."""
    vecs = np.asarray(vectors, dtype=np.float64)
    vecs = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    return [(a, b, float(vecs[2 * i] @ vecs[2 * i + 1])) for i, (a, b) in enumerate(pairs)]


def pair_similarities(encode: Callable[[Sequence[str]], np.ndarray], pairs: Sequence[tuple[str, str]],
                      length: str = "short") -> list[tuple[str, str, float]]:
    """Cosine similarity of each pair's descriptions under an ``encode(texts) -> vectors`` function."""
    return _pair_cosines(encode([describe(n, length) for pair in pairs for n in pair]), pairs)


def held_out_pairs(prefer: Sequence[str] = ("Conv2d", "AvgPool2d", "RMSNorm", "Hardswish", "ZeroPad2d")
                   ) -> list[tuple[str, str]]:
    """For held-out torch.nn classes (``prefer`` where held out): (class, a same-category training class) and
    (class, the first training class of the next category)."""
    from .descriptions import category_of, held_out_classes, torch_layer_classes

    held = held_out_classes()
    train = [n for n in torch_layer_classes() if n not in held and category_of(n) not in ("loss", "other")]
    categories = sorted({category_of(n) for n in train})
    out = []
    for name in [n for n in prefer if n in held] or list(held[:4]):
        cat = category_of(name)
        same = next(n for n in train if category_of(n) == cat)
        nxt = categories[(categories.index(cat) + 1) % len(categories)] if cat in categories else categories[0]
        out += [(name, same), (name, next(n for n in train if category_of(n) == nxt))]
    return out


def similarity_table(model: str = "all-MiniLM-L6-v2", pairs: Sequence[tuple[str, str]] | None = None,
                     length: str = "short") -> list[tuple[str, str, float]]:
    """Table 8 rows (left, right, cosine) for an embedder model name; default pairs are the paper's."""
    from .embedder import OperatorEmbedder

    embedder = OperatorEmbedder(length, model=model)
    pairs = list(TABLE8_PAIRS if pairs is None else pairs)
    return _pair_cosines(embedder.embed([n for pair in pairs for n in pair]), pairs)
