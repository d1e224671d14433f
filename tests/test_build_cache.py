"""embedding.build_cache.vocabulary_arrays: the one vocabulary-embedding loop (the packaged caches and
scripts/embed_other_model.py both use it)."""

from __future__ import annotations

import numpy as np

from tgnas_naslib.embedding.build_cache import build, previous_cache, vocabulary_arrays
from tgnas_naslib.embedding.embedder import CACHE_FILES, MODEL_NAME
from tgnas_naslib.embedding.vocabulary import LENGTHS


def test_every_sentence_is_encoded_once_without_a_cache():
    seen: list[str] = []

    def encode(texts):
        seen.extend(texts)
        return np.arange(len(texts) * 3, dtype=np.float64).reshape(len(texts), 3)

    arrays = vocabulary_arrays(encode)
    assert len(seen) == len(set(seen))
    for length in LENGTHS:
        names, texts, vectors = (arrays[f"{length}_{k}"] for k in ("names", "texts", "vectors"))
        assert len(names) == len(texts) == len(vectors) and vectors.dtype == np.float32 and vectors.shape[1] == 3
        assert set(map(str, texts)) <= set(seen)


def test_a_current_cache_is_kept_byte_for_byte():
    def encode(texts):
        raise AssertionError(f"nothing should be encoded: {texts[:3]}")

    old = previous_cache(MODEL_NAME)
    arrays = vocabulary_arrays(encode, old)
    with np.load(CACHE_FILES[MODEL_NAME]) as z:
        for key, value in arrays.items():
            assert np.array_equal(value, z[key]), key
    assert set(build(MODEL_NAME)) >= set(arrays)
