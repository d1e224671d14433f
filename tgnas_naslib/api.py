"""The scoring API: ``TGNAS.pretrained().score(archs, space=...)`` -> numpy array of proxy scores."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

import numpy as np
import torch

from . import checks
from .embedding import OperatorEmbedder
from .errors import TGNASError
from .graph import ArchGraph
from .model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .model.config import TrainConfig
from .names import DEFAULT_MODEL, FINETUNE_EPOCHS, FINETUNE_LR, PRETRAINED_DIR, PRETRAINED_MODELS  # noqa: F401
from .spaces import to_graph, to_graphs

if TYPE_CHECKING:  # torch-geometric is imported only for training and fine-tuning
    from .bundle import ModelBundle
    from .model.gcn import TGNASGCN

#: the score of an architecture with no input->output path: lowest possible (such nets train to chance)
DISCONNECTED_SCORE = float("-inf")
#: architectures built into graphs and scored at a time: memory stays flat however many come in, and a chunk's
#: activations stay in cache (measured faster than 16k-arch chunks; experiments/bench_scoring.py)
CHUNK = 1024
#: the chunk of whole-network graphs: packaged-table graphs score fastest grouped by network cost over many
#: architectures (the engine cuts its own pieces of bounded size)
NETWORK_CHUNK = 16384
#: the chunk of skeletons built from objects (DARTS, NB101, modules): peak memory ~150 MB above the model at 256,
#: ~500 MB at 1024, at the same speed (experiments/bench_scoring.py, 10,000 random DARTS archs)
SKELETON_CHUNK = 256




class UnknownModelError(TGNASError, ValueError):
    """A model name that is neither shipped nor an existing path (a user error: one line)."""


def _is_device_name(name: Any) -> bool:
    """True for a string torch reads as a device ("cpu", "cuda:1", ...), the mistake of passing one as a model name."""
    try:
        torch.device(name)
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


#: the input kind each representation's models read (ArchGraph.kind; a Skeleton is "skeleton")
INPUT_KIND = {"prune": "cell", "ops": "cell", "network": "network", "skeleton": "skeleton"}


def check_input(item: Any, representation: str) -> None:
    """The one check of what a model reads: a ready graph (or skeleton) of another kind is refused in one line that
    says what to pass instead (a cell graph scored as a network, or the reverse, would be silent nonsense)."""
    from .graph import ArchitectureError

    want = INPUT_KIND[representation]
    got = getattr(item, "kind", None)
    if got == want:
        return
    how = {"cell": "a cell graph: to_graph(arch, space) (a cell model such as nb101 reads them)",
           "network": "a whole-network graph: to_graph(arch, space, 'network')",
           "skeleton": "a skeleton: to_graph(arch, space, 'skeleton'), or a torch.nn.Module with score_module"}
    raise ArchitectureError(f"this model reads {how[want]}; it got a {got or type(item).__name__} "
                            f"({getattr(item, 'space', '?')!r}): pass the architecture itself with its space, or "
                            f"{how[want].split(': ', 1)[1]}")


def _by_identity(graphs: Sequence[ArchGraph]) -> tuple[list[ArchGraph], np.ndarray]:
    """The distinct graph objects (first occurrences, in order) and, per graph, the index of its object among them."""
    slot: dict[int, int] = {}
    which = np.fromiter((slot.setdefault(i, len(slot)) for i in map(id, graphs)), dtype=np.int64, count=len(graphs))
    return list(dict(zip(map(id, graphs), graphs)).values()), which  # a dict keeps each key's first position


class TGNAS:
    """A trained TG-NAS model (a seed ensemble of GCNs + its operator embedder) that scores architectures.

    Scores are predicted accuracies in standard deviations of the training space (NB101 for the shipped
    model); only their ranking matters. Higher is better.
    """

    def __init__(self, models: Sequence["TGNASGCN"], config: TrainConfig, meta: dict | None = None,
                 device: str | torch.device = "cpu") -> None:
        self.config = config
        self.embedder: OperatorEmbedder = config.embedder()
        self.device = torch.device(device)
        self._models: list | None = [m.to(self.device).eval() for m in models]
        self._states = [{k: v.detach().cpu() for k, v in m.state_dict().items()} for m in self._models]
        self._engine = None
        self.meta = meta or {}
        self.card: dict | None = None
        #: the name or path it was loaded by (outputs name the model that scored)
        self.name = "unnamed model"

    @classmethod
    def from_states(cls, states: Sequence[dict], config: TrainConfig, meta: dict | None = None,
                    device: str | torch.device = "cpu") -> "TGNAS":
        """A model from its members' state dicts, without building torch-geometric modules (scoring needs none)."""
        obj = cls.__new__(cls)
        obj.config, obj.embedder, obj.device = config, config.embedder(), torch.device(device)
        obj._models, obj._states, obj._engine = None, list(states), None
        obj.meta, obj.card, obj.name = meta or {}, None, "unnamed model"
        return obj

    @property
    def n_members(self) -> int:
        """Number of GCNs in the ensemble."""
        return len(self._states)

    @property
    def models(self) -> list["TGNASGCN"]:
        """The ensemble as trainable modules (built on first use: training, fine-tuning, ablations): torch-geometric
        GCNs, or the plain-torch hierarchical models."""
        if self._models is None:
            models = []
            for state in self._states:
                model = self.config.build_model(self.embedder.dim)
                model.load_state_dict(state)
                models.append(model.to(self.device).eval())
            self._models = models
        return self._models

    @property
    def engine(self):
        """The plain-torch scorer of this ensemble (model/infer.py; model/hier.py for skeletons)."""
        if self._engine is None:
            if self.config.hierarchical:
                from .model.hier import HierEngine

                self._engine = HierEngine(self._states, self.config, self.embedder, self.device)
            else:
                from .model.infer import Engine

                self._engine = Engine(self._states, self.config, self.embedder, self.device)
        return self._engine

    # loading / saving -----------------------------------------------------------------------------------------
    @classmethod
    def pretrained(cls, name: str | Path | None = DEFAULT_MODEL, *, device: str | torch.device = "cpu",
                   in_family: bool = False) -> "TGNAS | ModelBundle":
        """A model by shipped name (default ``universal``, the zero-shot bundle; ``universal-all``, ``lfo-<family>``,
        ``nb101``, ``nb101-text``: :data:`PRETRAINED_MODELS`) or by path (a checkpoint ``.pt`` from ``tgnas train``,
        a bundle manifest ``*.bundle.json``, or a folder holding ``bundle.json``). ``in_family=True`` (bundles only)
        scores every space with the all-family member, its own training families included."""
        from .bundle import ModelBundle, is_bundle

        if name is None:
            name = DEFAULT_MODEL
        if isinstance(name, torch.device) or (isinstance(name, str) and name not in PRETRAINED_MODELS
                                               and _is_device_name(name)):
            raise UnknownModelError(f"unknown pretrained model {str(name)!r} ({str(name)!r} is a device: pass it as "
                                    f"device={str(name)!r}); choose from {', '.join(PRETRAINED_MODELS)} or a "
                                    "checkpoint path")
        if not isinstance(name, (str, Path)):
            raise checks.ArgumentTypeError(f"a model is named by a string or a path, not {type(name).__name__}: "
                                           f"choose from {', '.join(PRETRAINED_MODELS)} or a checkpoint path")
        shipped = str(name) in PRETRAINED_MODELS
        path = PRETRAINED_MODELS[str(name)] if shipped else Path(name).expanduser()
        label = str(name)
        if not shipped and not path.exists():
            raise UnknownModelError(f"no shipped model or checkpoint named {label!r}: choose from "
                                  f"{', '.join(PRETRAINED_MODELS)}, or give the path of a checkpoint (.pt), a bundle "
                                  "manifest (*.bundle.json) or a bundle folder (with bundle.json)")
        manifest = is_bundle(path)
        if manifest is not None:
            return ModelBundle(manifest, lambda p, d: cls.load(p, device=d), device=device, in_family=in_family,
                               name=label)
        if path.is_dir():
            raise CheckpointError(f"{path} is a folder, not a checkpoint: a bundle folder holds bundle.json (none "
                                  "here); give a checkpoint file (.pt) instead")
        if in_family:
            raise checks.ArgumentError(f"in_family chooses a member of a model bundle (such as universal); {label} "
                                       "is one model, whose scores are in-family wherever its training families are")
        model = cls.load(path, device=device)
        model.name = label
        return model

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "cpu",
             expect_embedder: dict | None = None) -> "TGNAS":
        """Load a checkpoint written by :meth:`save` / ``tgnas train`` (format, checksum and embedder checked)."""
        from .device import check_device

        check_device(str(device), option="device=")
        states, meta, card = load_checkpoint(checks.path_arg("path", path))
        config = TrainConfig.from_dict(meta.get("config", {}))
        embedder_cfg = meta.get("embedder")
        built = config.embedder().config
        if embedder_cfg != built or (expect_embedder is not None and expect_embedder != embedder_cfg):
            raise CheckpointError(
                f"{path} was trained with embedder {embedder_cfg} but would be paired with "
                f"{expect_embedder or built}: a GCN only works with the operator embedder it was trained on"
            )
        if not config.uses_shapes and not config.hierarchical:  # checkpoints from before shape features lack buffers
            empty = {"shape_mean": torch.zeros(0), "shape_std": torch.ones(0), "size_mean": torch.zeros(0),
                     "size_std": torch.ones(0)}
            states = [{**empty, **state} for state in states]
        obj = cls.from_states(states, config, meta, device)
        try:
            obj.engine  # noqa: B018 - builds the scorer, which checks every weight's shape
        except (RuntimeError, KeyError, TypeError, IndexError) as exc:
            raise CheckpointError(f"{path}: weights do not fit the recorded architecture ({str(exc)[:200]})") from None
        except ValueError:  # an architecture only torch-geometric scores (EngineUnsupported): checked on first use
            pass
        obj.card = card
        obj.name = str(path)
        return obj

    def save(self, path: str | Path, card: dict | None = None) -> Path:
        """Write the ensemble and a model card next to it."""
        meta = {**self.meta, "config": self.config.to_dict(), "embedder": self.embedder.config}
        return save_checkpoint(path, self._states, meta, card)

    def training_summary(self) -> str:
        """One line naming the data this model was trained on (from its metadata), for printed outputs."""
        t = self.meta.get("trained_on", {})
        if "families" in t:
            files = sorted({src["file"] for src in t.get("sources", [])})
            return (f"{' + '.join(t['families'])} pooled ({t.get('n_archs', '?')} archs; "
                    f"labels z-scored per task; files: {', '.join(files)})")
        if "file" in t:
            return f"{t['file']} ({t.get('n_archs', '?')} {t.get('space', '')} archs)"
        return "unknown data (no training record in the checkpoint)"

    def training_spaces(self) -> tuple[str, ...]:
        """The search spaces whose labels trained this model (from its metadata)."""
        t = self.meta.get("trained_on", {})
        spaces = [src.get("space") for src in t.get("sources", [])] + [t.get("space")]
        return tuple(dict.fromkeys(s for s in spaces if s))

    def trained_families(self) -> set[str]:
        """The design families whose labels trained this model (spaces' ``family``; see :meth:`evaluation`)."""
        from .bundle import space_family

        return {f for f in map(space_family, self.training_spaces()) if f is not None}

    def evaluation(self, space: str | None) -> str:
        """How this model's scores on ``space`` may be read: ``in-family`` when labels of that space's family (the
        NB201 cell family spans NB201 and TransNAS-Bench-101-micro) trained it, else ``zero-shot``."""
        from .bundle import IN_FAMILY, ZERO_SHOT, space_family

        family = space_family(space)
        return IN_FAMILY if family is not None and family in self.trained_families() else ZERO_SHOT

    def scoring_model(self, space: str | None = None) -> "TGNAS":
        """The model that scores ``space``: this one (a bundle answers with the member it routes ``space`` to)."""
        return self

    def describe(self, space: str | None = None) -> dict:
        """What scores ``space``: {model, member, evaluation, trained_on} (every output carries it; a single model is
        its own member)."""
        return {"model": self.name, "member": self.name, "evaluation": self.evaluation(space),
                "trained_on": self.training_summary()}

    # scoring: one chunked pipeline behind score, score_iter, score_graphs and score_one ---------------------------
    def graphs(self, archs: Any, space: str | Sequence[str] | None = None) -> list:
        """Turn architectures (any supported encodings; ``space`` one name or one per arch) into this model's input
        (cell or network ArchGraphs, or skeletons); ready inputs are checked to be of the kind the model reads."""
        archs = checks.arch_list(archs)
        return self._inputs(archs, checks.space_arg(space, len(archs)))

    def _inputs(self, archs: Sequence[Any], spaces: Sequence[str | None] | str | None) -> list:
        """This model's inputs for a block of architectures (``spaces``: one name, one per architecture, or None)."""
        rep = self.config.representation
        for a in archs:
            if isinstance(a, ArchGraph) or getattr(a, "kind", None) == "skeleton":
                check_input(a, rep)
        if spaces is None or isinstance(spaces, str):
            return to_graphs(archs, spaces, rep)
        return [to_graph(a, s, rep) for a, s in zip(archs, spaces)]

    def _chunks(self, archs: Iterable[Any], spaces: Iterable[str] | str | None, chunk: int, ready: bool = False
                ) -> Iterator[np.ndarray]:
        """Scores of a stream, ``chunk`` architectures at a time: inputs built (or, ``ready``, checked), scored and
        dropped per chunk, so memory is bounded by the chunk for every model."""
        it = iter(archs)
        space_it = None if spaces is None or isinstance(spaces, str) else iter(spaces)
        while True:
            block = list(itertools.islice(it, chunk))
            if not block:
                return
            names = spaces if space_it is None else list(itertools.islice(space_it, len(block)))
            if ready:
                for item in block:
                    check_input(item, self.config.representation)
                yield self._score_chunk(block)
            else:
                yield self._score_chunk(self._inputs(block, names))

    def _chunk_size(self, requested: int | None, name: str = "batch_size") -> int:
        """The default chunk: whole-network graphs from the packaged tables score fastest in larger pieces."""
        if requested is not None:
            return checks.integer(name, requested, 1)
        return {"network": NETWORK_CHUNK, "skeleton": SKELETON_CHUNK}.get(self.config.representation, CHUNK)

    def _collect(self, chunks: Iterator[np.ndarray], n: int, step: int, progress: bool) -> np.ndarray:
        out = np.empty(n, dtype=np.float64)
        if progress and n > step:
            from tqdm import tqdm

            chunks = tqdm(chunks, total=-(-n // step), desc="scoring", unit="chunk")
        pos = 0
        for scores in chunks:
            out[pos:pos + len(scores)] = scores
            pos += len(scores)
        return out

    def score_graphs(self, graphs: Iterable[Any], batch_size: int | None = None, progress: bool = False
                     ) -> np.ndarray:
        """Score ready inputs (ArchGraphs / skeletons of the kind this model reads); disconnected ones get
        DISCONNECTED_SCORE without touching the model."""
        graphs = checks.graph_list(graphs)
        step = self._chunk_size(batch_size)
        return self._collect(self._chunks(graphs, None, step, ready=True), len(graphs), step, progress)

    def score_iter(self, archs: Iterable[Any], space: str | None = None, chunk: int | None = None
                   ) -> Iterator[np.ndarray]:
        """Score a stream of architectures chunk by chunk (one array of scores per chunk): inputs are built, scored
        and dropped a chunk at a time, so memory stays flat for any number of architectures."""
        it, space, _ = checks.stream_args(archs, space, 1 if chunk is None else chunk)  # checked now, not later
        return self._chunks(it, space, self._chunk_size(chunk, "chunk"))

    def score(self, archs: Any, space: str | Sequence[str] | None = None, batch_size: int | None = None,
              progress: bool = False) -> np.ndarray:
        """Score a sequence of architectures (encodings of ``space``, or ready inputs); higher is better. Inputs are
        built, scored and dropped ``batch_size`` architectures at a time (memory stays flat however many come)."""
        archs = checks.arch_list(archs)
        spaces = checks.space_arg(space, len(archs))
        step = self._chunk_size(batch_size)
        return self._collect(self._chunks(archs, spaces, step), len(archs), step, progress)

    def score_one(self, arch: Any, space: str | None = None) -> float:
        """Score one architecture."""
        return float(self.score([arch], space)[0])

    @torch.no_grad()
    def _score_chunk(self, graphs: Sequence[Any]) -> np.ndarray:
        # equal cell graphs (e.g. NB201 cells that differ only in dead or `none` edges) are scored once; whole-network
        # graphs and skeletons are only deduplicated by identity (the adapters' memo and tables hand out one object
        # per architecture), since hashing them costs more than scoring
        if self.config.representation in ("network", "skeleton"):
            unique, which = _by_identity(graphs)
        else:
            slot: dict[ArchGraph, int] = {}
            which = np.array([slot.setdefault(g, len(slot)) for g in graphs], dtype=np.int64)
            unique = list(slot)
        scores = np.full(len(unique), DISCONNECTED_SCORE, dtype=np.float64)
        live = [i for i, g in enumerate(unique) if g.is_connected]
        if live:
            scores[live] = self._predict([unique[i] for i in live])
        return scores[which]

    def _predict(self, graphs: list) -> np.ndarray:
        from .model.infer import EngineUnsupported

        try:
            return self.engine.score(graphs)
        except EngineUnsupported:  # e.g. GraphNorm: the torch-geometric modules score it
            from .model.train import predict

            return predict(self.models, graphs, self.config, device=self.device)

    # any torch.nn.Module (see tgnas_naslib.modules) ---------------------------------------------------------------
    @property
    def module_representation(self) -> str:
        """How this model wants traced modules: skeletons, ``network`` graphs, or the legacy traced graphs of the cell
        models."""
        rep = self.config.representation
        return rep if rep in ("network", "skeleton") else "prune"

    def score_module(self, model: torch.nn.Module, input_shape: Sequence[int] = (1, 3, 32, 32),
                     collapse: bool = True, space: str | None = None) -> float:
        """Score a ``torch.nn.Module`` traced on a zero tensor of ``input_shape`` (no data, no training).

        The default (``universal``) reads a traced module as the same block skeleton a space adapter builds
        (docs/hierarchical.md); the cell models (``nb101``) rank traced whole networks poorly. ``space``: the space
        whose network the module is, if any (a bundle then scores it with that space's member; one model ignores
        it)."""
        from .modules import module_graph

        checks.one_space(space)  # one model scores every space alike, but a wrong value is not ignored
        return float(self.score_graphs([module_graph(model, input_shape, collapse, self.module_representation)])[0])

    # few-shot -------------------------------------------------------------------------------------------------
    def finetune(self, archs: Any, y: Sequence[float], space: str | Sequence[str] | None = None,
                 epochs: int = FINETUNE_EPOCHS, lr: float = FINETUNE_LR, seed: int = 0) -> "TGNAS":
        """A copy of this model with every ensemble member fine-tuned on target-space labels (few-shot mode): ``y``
        one finite label per architecture, ``epochs`` >= 1, ``lr`` > 0."""
        graphs = self.graphs(archs, space)
        y = checks.labels(y, len(graphs))
        epochs, lr, seed = checks.integer("epochs", epochs, 1), checks.positive_number("lr", lr), \
            checks.seed("seed", seed)
        keep = [i for i, g in enumerate(graphs) if g.is_connected]
        if len(keep) < 2:
            raise checks.ArgumentError("fine-tuning needs at least two connected labelled architectures")
        if self.config.hierarchical:
            from .model.hier import train_hier as train_member
        else:
            from .model.train import train_gcn as train_member

        cfg = TrainConfig.from_dict({**self.config.to_dict(), "epochs": epochs, "lr": lr,
                                     "lr_step": max(1, epochs), "batch_size": min(32, len(keep))})
        tuned = []
        for k, m in enumerate(self.models):
            cfg.seed = seed * 1000 + k
            tuned.append(train_member([graphs[i] for i in keep], y[keep], cfg, model=copy.deepcopy(m).cpu()))
        meta = {**self.meta, "finetuned_on": {"n": len(keep), "epochs": epochs, "lr": lr, "seed": seed}}
        return TGNAS(tuned, self.config, meta, self.device)
