"""Model bundles: one name for a family of TG-NAS models that together score every space zero-shot.

A bundle holds an *all-family* member (trained on every labelled family) and, for each of those families, a
*leave-family-out* member that never saw a graph, task or label of that family. Scoring a space routes each
architecture to the member that never saw the space's design family (``zero-shot``); a space outside every training
family (TransNAS-Bench-101-macro, a traced ``torch.nn.Module``, a user's own space) goes to the all-family member,
which is zero-shot there too. ``in_family=True`` is the one explicit way to score with the all-family member
everywhere, its own training families included (``in-family``).

A bundle is a JSON manifest (``<name>.bundle.json``, or ``bundle.json`` in a folder)::

    {"format": "tgnas-bundle", "version": 1, "name": "universal",
     "all": {"name": "universal-all", "path": "tgnas_universal.pt"},
     "leave_family_out": {"nb101": {"name": "lfo-nb101", "path": "lfo/lfo_nb101.pt"}, ...}}

Paths are relative to the manifest. Members load on first use.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import torch

from . import checks
from .graph import ArchGraph
from .model.checkpoint import CheckpointError

if TYPE_CHECKING:
    from .api import TGNAS

FORMAT = "tgnas-bundle"
VERSION = 1
ZERO_SHOT = "zero-shot"
IN_FAMILY = "in-family"


@dataclass(frozen=True)
class Member:
    """The model that scores one space: its loadable name, the model, and how its scores there may be read."""

    name: str
    model: "TGNAS"
    evaluation: str


def space_family(space: str | None) -> str | None:
    """The design family of a space name (None for no space: a traced module or a hand-made graph)."""
    if checks.one_space(space) is None:
        return None
    from .graph import ArchitectureError
    from .spaces import get_space

    try:
        return get_space(space).family
    except ArchitectureError:  # "custom", "torch_module", a user's own space: no training family
        return None


class ModelBundle:
    """A bundle of TG-NAS models (see the module docstring) with the scoring surface of :class:`~.api.TGNAS`."""

    def __init__(self, manifest: str | Path, load: Callable[[Path, str | torch.device], "TGNAS"],
                 device: str | torch.device = "cpu", in_family: bool = False, name: str | None = None) -> None:
        """``load(path, device)`` loads one member checkpoint (``TGNAS.load``; the bundle sits below the API)."""
        from .device import check_device

        check_device(str(device), option="device=")
        self.path = Path(manifest)
        doc = _read_manifest(self.path)
        self.name = name or str(doc.get("name") or self.path)
        self.device = torch.device(device)
        self.in_family = bool(in_family)
        root = self.path.parent
        self._specs: dict[str | None, tuple[str, Path]] = {None: _member_spec(doc["all"], root, "all")}
        for family, spec in doc.get("leave_family_out", {}).items():
            self._specs[str(family)] = _member_spec(spec, root, f"leave_family_out.{family}")
        self._loaded: dict[str | None, "TGNAS"] = {}
        self._load = load
        self._lock = threading.Lock()

    # members ----------------------------------------------------------------------------------------------------
    @property
    def families(self) -> tuple[str, ...]:
        """The families with a leave-family-out member."""
        return tuple(f for f in self._specs if f is not None)

    def member_names(self) -> dict[str, str]:
        """{"all" or family: member name}."""
        return {("all" if k is None else k): name for k, (name, _) in self._specs.items()}

    def _model(self, key: str | None) -> "TGNAS":
        with self._lock:
            if key not in self._loaded:
                name, path = self._specs[key]
                model = self._load(path, self.device)
                model.name = name
                if key is not None and key in model.trained_families():
                    raise CheckpointError(f"bundle {self.path}: member {name} ({path}) was trained on the {key} "
                                          "family, so it is not leave-family-out for it")
                self._loaded[key] = model
            return self._loaded[key]

    @property
    def all_member(self) -> "TGNAS":
        """The all-family member."""
        return self._model(None)

    def member(self, space: str | None = None) -> Member:
        """The member that scores ``space`` (None: a traced module / hand-made graph) and its label there."""
        family = space_family(space)
        if not self.in_family and family in self._specs:
            model = self._model(family)
            return Member(model.name, model, ZERO_SHOT)
        model = self.all_member
        return Member(model.name, model, model.evaluation(space))

    def scoring_model(self, space: str | None = None) -> "TGNAS":
        """The member that scores ``space``."""
        return self.member(space).model

    def evaluation(self, space: str | None) -> str:
        """``zero-shot`` or ``in-family``: how the scores of ``space`` may be read."""
        return self.member(space).evaluation

    def describe(self, space: str | None = None) -> dict:
        """What scores ``space``: {model, member, evaluation, trained_on} (every output carries it)."""
        m = self.member(space)
        return {"model": self.name, "member": m.name, "evaluation": m.evaluation,
                "trained_on": m.model.training_summary()}

    def training_summary(self, space: str | None = None) -> str:
        """One line naming the data that trained the member scoring ``space``."""
        return self.member(space).model.training_summary()

    @property
    def config(self):
        """The all-family member's config (every member reads the same graphs)."""
        return self.all_member.config

    @property
    def module_representation(self) -> str:
        """How the members want traced modules."""
        return self.all_member.module_representation

    # scoring -------------------------------------------------------------------------------------------------------
    def _route(self, spaces: Sequence[str | None]) -> list[tuple["TGNAS", list[int]]]:
        """(member model, indices of the items it scores) per member, in first-seen order."""
        groups: dict[str, tuple["TGNAS", list[int]]] = {}
        by_space: dict[str | None, tuple["TGNAS", list[int]]] = {}
        for i, s in enumerate(spaces):
            if s not in by_space:
                m = self.member(s)
                by_space[s] = groups.setdefault(m.name, (m.model, []))
            by_space[s][1].append(i)
        return list(groups.values())

    def graphs(self, archs: Any, space: str | Sequence[str] | None = None) -> list[ArchGraph]:
        """Architectures as the members' graphs (see :meth:`TGNAS.graphs`)."""
        return self.all_member.graphs(archs, space)

    def score_graphs(self, graphs: Iterable[ArchGraph], batch_size: int | None = None,
                     progress: bool = False) -> np.ndarray:
        """Score ready graphs, each by the member of its ``space``."""
        graphs = checks.graph_list(graphs)
        out = np.empty(len(graphs), dtype=np.float64)
        kw = {} if batch_size is None else {"batch_size": batch_size}
        for model, idx in self._route([g.space for g in graphs]):
            out[idx] = model.score_graphs([graphs[i] for i in idx], progress=progress, **kw)
        return out

    def score(self, archs: Any, space: str | Sequence[str] | None = None, batch_size: int | None = None,
              progress: bool = False) -> np.ndarray:
        """Score architectures of ``space`` (one name, or one per architecture) by the member of each space."""
        kw = {} if batch_size is None else {"batch_size": checks.integer("batch_size", batch_size, 1)}
        archs = checks.arch_list(archs)
        spaces = checks.space_arg(space, len(archs))
        if spaces is None:
            return self.score_graphs(self.graphs(archs, None), progress=progress, **kw)
        if isinstance(spaces, str):
            return self.member(spaces).model.score(archs, spaces, progress=progress, **kw)
        out = np.empty(len(archs), dtype=np.float64)
        for model, idx in self._route(spaces):
            out[idx] = model.score([archs[i] for i in idx], [spaces[i] for i in idx], progress=progress, **kw)
        return out

    def score_one(self, arch: Any, space: str | None = None) -> float:
        """Score one architecture."""
        return float(self.score([arch], space)[0])

    def score_iter(self, archs: Iterable[Any], space: str | None = None, chunk: int | None = None
                   ) -> Iterator[np.ndarray]:
        """Stream scores chunk by chunk (see :meth:`TGNAS.score_iter`) with the member of ``space``."""
        archs, space, _ = checks.stream_args(archs, space, 1 if chunk is None else chunk)  # before choosing a member
        model = self.member(space).model
        return model.score_iter(archs, space) if chunk is None else model.score_iter(archs, space, chunk=chunk)

    def score_module(self, module: torch.nn.Module, input_shape: Sequence[int] = (1, 3, 32, 32),
                     collapse: bool = True, space: str | None = None) -> float:
        """Score a traced ``torch.nn.Module``: with the all-family member, or with the member of ``space`` when the
        module is a network of that space (a module alone names no space)."""
        return self.member(space).model.score_module(module, input_shape, collapse)

    def finetune(self, archs: Any, y: Sequence[float], space: str | Sequence[str] | None = None,
                 **kwargs: Any) -> "TGNAS":
        """Few-shot: fine-tune the member that never saw the labels' family (one space per call) on them."""
        archs = checks.arch_list(archs)
        space_list = checks.space_arg(space, len(archs))
        spaces = {space_list} if space_list is None or isinstance(space_list, str) else set(space_list)
        if space_list is None:
            spaces = {getattr(a, "space", None) for a in archs}
        members = {self.member(s).name: self.member(s).model for s in spaces}
        if len(members) != 1:
            raise ValueError(f"fine-tune one space's family at a time (these labels span members {sorted(members)})")
        (name, model), = members.items()
        tuned = model.finetune(archs, y, space, **kwargs)
        tuned.name = f"{name}+finetuned"
        tuned.meta["finetuned_from"] = name
        return tuned


def _read_manifest(path: Path) -> dict:
    if not path.is_file():
        raise CheckpointError(f"TG-NAS model bundle not found: {path}")
    try:
        doc = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"model bundle {path} is not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or "all" not in doc:
        raise CheckpointError(f"{path} is not a TG-NAS model bundle (no '{FORMAT}' format marker or no 'all' member)")
    if doc.get("version") != VERSION:
        raise CheckpointError(f"{path} has bundle version {doc.get('version')}, this tgnas_naslib reads {VERSION}")
    return doc


def _member_spec(spec: Any, root: Path, where: str) -> tuple[str, Path]:
    if isinstance(spec, str):
        spec = {"path": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
        raise CheckpointError(f"model bundle: member {where} has no checkpoint path")
    path = (root / spec["path"]).resolve()
    return str(spec.get("name") or path), path


def is_bundle(path: str | Path) -> Path | None:
    """The manifest of a bundle given as its JSON file or a folder holding ``bundle.json``, else None."""
    p = Path(path)
    if p.is_dir() and (p / "bundle.json").is_file():
        return p / "bundle.json"
    if p.suffix == ".json" and p.name.endswith(".bundle.json") or p.name == "bundle.json":
        return p
    return None
