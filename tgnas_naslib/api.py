"""The scoring API: ``TGNAS.pretrained().score(archs, space=...)`` -> numpy array of proxy scores."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import torch

from .embedding import OperatorEmbedder
from .graph import ArchGraph
from .model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .model.featurize import collate
from .model.gcn import TGNASGCN, propagation_graph
from .model.train import TrainConfig, train_gcn
from .spaces import to_graph

PRETRAINED = Path(__file__).with_name("pretrained") / "tgnas_nb101.pt"
#: shipped checkpoints by name: the default (shape-aware), the text-only model it replaced, and the text-only recipe
#: on the NAS-tuned operator embedder
PRETRAINED_MODELS = {"nb101": PRETRAINED,
                     "nb101-text": PRETRAINED.with_name("tgnas_nb101_text.pt"),
                     "nb101-nas-embedder": PRETRAINED.with_name("tgnas_nb101_nas_embedder.pt")}
#: the score of an architecture with no input->output path: lowest possible (such nets train to chance)
DISCONNECTED_SCORE = float("-inf")


def _as_list(archs: Any) -> list:
    """Accept one ArchGraph / string / dict as a one-element list; otherwise the sequence itself."""
    if isinstance(archs, (str, dict, ArchGraph)):
        return [archs]
    return list(archs)


class TGNAS:
    """A trained TG-NAS model (a seed ensemble of GCNs + its operator embedder) that scores architectures.

    Scores are predicted accuracies in standard deviations of the training space (NB101 for the shipped
    model); only their ranking matters. Higher is better.
    """

    def __init__(self, models: Sequence[TGNASGCN], config: TrainConfig, meta: dict | None = None,
                 device: str | torch.device = "cpu") -> None:
        self.config = config
        self.embedder: OperatorEmbedder = config.embedder()
        self.device = torch.device(device)
        self.models = [m.to(self.device).eval() for m in models]
        self.meta = meta or {}
        self.card: dict | None = None

    # loading / saving -----------------------------------------------------------------------------------------
    @classmethod
    def pretrained(cls, device: str | torch.device = "cpu", name: str = "nb101") -> "TGNAS":
        """A shipped model (default: trained once on the 500 labelled NB101 architectures; see its model card)."""
        if name not in PRETRAINED_MODELS:
            raise ValueError(f"unknown pretrained model {name!r}; choose from {', '.join(PRETRAINED_MODELS)}")
        return cls.load(PRETRAINED_MODELS[name], device=device)

    @classmethod
    def from_spec(cls, spec: str | Path | None, device: str | torch.device = "cpu") -> "TGNAS":
        """A shipped model by name (``nb101``, ``nb101-nas-embedder``), a checkpoint path, or None (default)."""
        if spec is None or str(spec) in PRETRAINED_MODELS:
            return cls.pretrained(device, name=str(spec or "nb101"))
        return cls.load(spec, device=device)

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "cpu",
             expect_embedder: dict | None = None) -> "TGNAS":
        """Load a checkpoint written by :meth:`save` / ``tgnas train`` (format, checksum and embedder checked)."""
        states, meta, card = load_checkpoint(path)
        config = TrainConfig.from_dict(meta.get("config", {}))
        embedder_cfg = meta.get("embedder")
        built = config.embedder().config
        if embedder_cfg != built or (expect_embedder is not None and expect_embedder != embedder_cfg):
            raise CheckpointError(
                f"{path} was trained with embedder {embedder_cfg} but would be paired with "
                f"{expect_embedder or built}: a GCN only works with the operator embedder it was trained on"
            )
        models = []
        for state in states:
            model = config.build_model(config.embedder().dim)
            if not config.uses_shapes:  # checkpoints from before shape features lack the (empty) buffers
                state = {"shape_mean": model.shape_mean, "shape_std": model.shape_std, "size_mean": model.size_mean,
                         "size_std": model.size_std, **state}
            try:
                model.load_state_dict(state)
            except (RuntimeError, KeyError, TypeError) as exc:
                raise CheckpointError(f"{path}: weights do not fit the recorded architecture ({str(exc)[:200]})") from None
            models.append(model)
        obj = cls(models, config, meta, device)
        obj.card = card
        return obj

    def save(self, path: str | Path, card: dict | None = None) -> Path:
        """Write the ensemble and a model card next to it."""
        meta = {**self.meta, "config": self.config.to_dict(), "embedder": self.embedder.config}
        states = [{k: v.detach().cpu() for k, v in m.state_dict().items()} for m in self.models]
        return save_checkpoint(path, states, meta, card)

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

    # scoring --------------------------------------------------------------------------------------------------
    def graphs(self, archs: Any, space: str | Sequence[str] | None = None) -> list[ArchGraph]:
        """Turn architectures (any supported encodings; ``space`` one name or one per arch) into ArchGraphs."""
        archs = _as_list(archs)
        rep = self.config.representation
        if space is None or isinstance(space, str):
            return [to_graph(a, space, rep) for a in archs]
        spaces = list(space)
        if len(spaces) != len(archs):
            raise ValueError(f"got {len(archs)} architectures but {len(spaces)} space names")
        return [to_graph(a, s, rep) for a, s in zip(archs, spaces)]

    @torch.no_grad()
    def score_graphs(self, graphs: Sequence[ArchGraph], batch_size: int = 32768, progress: bool = False) -> np.ndarray:
        """Score ready ArchGraphs; disconnected ones get DISCONNECTED_SCORE without touching the GCN."""
        graphs = list(graphs)
        # equal graphs (e.g. NB201 cells that differ only in dead or `none` edges) are scored once
        slot: dict[ArchGraph, int] = {}
        which = np.array([slot.setdefault(g, len(slot)) for g in graphs], dtype=np.int64)
        unique = list(slot)
        scores = np.full(len(unique), DISCONNECTED_SCORE, dtype=np.float64)
        live = [i for i, g in enumerate(unique) if g.is_connected]
        starts: Iterable[int] = range(0, len(live), batch_size)
        if progress and len(live) > batch_size:
            from tqdm import tqdm

            starts = tqdm(starts, desc="scoring", unit="batch")
        undirected = self.config.undirected
        for start in starts:
            idx = live[start:start + batch_size]
            b = collate([unique[i] for i in idx], self.embedder, self.device, self.config.node_features,
                        self.config.graph_features)
            prop = propagation_graph(b.edge_index, b.num_nodes, undirected)
            preds = torch.stack([m(b.x, b.edge_index, b.batch, len(idx), prop, b.gfeat) for m in self.models]).mean(0)
            scores[idx] = preds.cpu().numpy()
        return scores[which]

    def score(self, archs: Any, space: str | Sequence[str] | None = None, batch_size: int = 32768,
              progress: bool = False) -> np.ndarray:
        """Score a sequence of architectures (encodings of ``space``, or ArchGraphs); higher is better."""
        return self.score_graphs(self.graphs(archs, space), batch_size=batch_size, progress=progress)

    def score_one(self, arch: Any, space: str | None = None) -> float:
        """Score one architecture."""
        return float(self.score_graphs([to_graph(arch, space, self.config.representation)])[0])

    # any torch.nn.Module (see tgnas_naslib.modules) ---------------------------------------------------------------
    def score_module(self, model: torch.nn.Module, input_shape: Sequence[int] = (1, 3, 32, 32),
                     collapse: bool = True) -> float:
        """Score a ``torch.nn.Module`` traced on a zero tensor of ``input_shape`` (no data, no training)."""
        from .modules import module_graph

        return float(self.score_graphs([module_graph(model, input_shape, collapse)])[0])

    # few-shot -------------------------------------------------------------------------------------------------
    def finetune(self, archs: Any, y: Sequence[float], space: str | Sequence[str] | None = None,
                 epochs: int = 50, lr: float = 3e-4, seed: int = 0) -> "TGNAS":
        """A copy of this model with every ensemble member fine-tuned on target-space labels (few-shot mode)."""
        graphs = self.graphs(archs, space)
        keep = [i for i, g in enumerate(graphs) if g.is_connected]
        if len(keep) < 2:
            raise ValueError("fine-tuning needs at least two connected labelled architectures")
        y = np.asarray(y, dtype=np.float64)
        cfg = TrainConfig.from_dict({**self.config.to_dict(), "epochs": epochs, "lr": lr,
                                     "lr_step": max(1, epochs), "batch_size": min(32, len(keep))})
        tuned = []
        for k, m in enumerate(self.models):
            cfg.seed = seed * 1000 + k
            tuned.append(train_gcn([graphs[i] for i in keep], y[keep], cfg, model=copy.deepcopy(m).cpu()))
        meta = {**self.meta, "finetuned_on": {"n": len(keep), "epochs": epochs, "lr": lr, "seed": seed}}
        return TGNAS(tuned, self.config, meta, self.device)
