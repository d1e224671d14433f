"""Labelled sentence pairs from the description dataset: same class 1.0, same category 0.7, else 0.0."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

from .descriptions import Record, build_dataset, held_out_classes

SAME_CLASS, SAME_CATEGORY, DIFFERENT = 1.0, 0.7, 0.0
LABELS = (SAME_CLASS, SAME_CATEGORY, DIFFERENT)


@dataclass(frozen=True)
class Pair:
    """Two records and the target cosine similarity of their texts."""

    a: Record
    b: Record
    label: float


def pair_label(a: Record, b: Record) -> float:
    """The target similarity of two records by the labelling rules."""
    if a.cls == b.cls:
        return SAME_CLASS
    return SAME_CATEGORY if a.category == b.category else DIFFERENT


def sample_pairs(records: Sequence[Record], n: int, seed: int = 0,
                 anchors: set[str] | None = None) -> list[Pair]:
    """``n`` pairs, a third per label, drawn with ``seed``; with ``anchors`` the first record of every pair
    belongs to one of those classes (the second may belong to any class of ``records``)."""
    rng = random.Random(seed)
    by_class: dict[str, list[Record]] = {}
    for r in sorted(records):
        by_class.setdefault(r.cls, []).append(r)
    classes = sorted(by_class)
    category = {c: by_class[c][0].category for c in classes}
    by_category: dict[str, list[str]] = {}
    for c in classes:
        by_category.setdefault(category[c], []).append(c)
    first = [c for c in classes if anchors is None or c in anchors]
    if not first:
        raise ValueError("no anchor class has records to pair")
    pools = {
        SAME_CLASS: [c for c in first if len(by_class[c]) >= 2],
        SAME_CATEGORY: [c for c in first if len(by_category[category[c]]) >= 2],
        DIFFERENT: [c for c in first if len(by_category) >= 2],
    }
    pairs: list[Pair] = []
    seen: set[tuple[str, str, str, str]] = set()
    for _ in range(n * 20):  # duplicates are redrawn; the bound only guards tiny datasets
        if len(pairs) >= n:
            break
        label = LABELS[len(pairs) % 3]
        if not pools[label]:
            continue
        c1 = rng.choice(pools[label])
        if label == SAME_CLASS:
            a, b = rng.sample(by_class[c1], 2)
        elif label == SAME_CATEGORY:
            c2 = rng.choice([c for c in by_category[category[c1]] if c != c1])
            a, b = rng.choice(by_class[c1]), rng.choice(by_class[c2])
        else:
            other = rng.choice([k for k in sorted(by_category) if k != category[c1]])
            a, b = rng.choice(by_class[c1]), rng.choice(by_class[rng.choice(by_category[other])])
        key = (a.cls, a.text, b.cls, b.text)
        if key in seen:
            continue
        seen.add(key)
        pairs.append(Pair(a, b, pair_label(a, b)))
    return pairs


def train_eval_pairs(n_train: int = 3000, n_eval: int = 900, seed: int = 0) -> tuple[list[Pair], list[Pair]]:
    """Train pairs among non-held-out classes only, and eval pairs with a held-out class on the first side."""
    records = build_dataset(seed)
    held = set(held_out_classes())
    train_records = [r for r in records if r.cls not in held]
    train = sample_pairs(train_records, n_train, seed=seed)
    evaluation = sample_pairs(records, n_eval, seed=seed + 1, anchors=held)
    return train, evaluation
