"""Every choice that defines a trained TG-NAS model (stored in its checkpoint and model card).

Kept free of torch-geometric and scipy, so loading and scoring never import them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

from ..embedding import OperatorEmbedder
from ..shapes import FEATURE_SETS

if TYPE_CHECKING:
    from .gcn import TGNASGCN


@dataclass
class TrainConfig:
    """Every choice that defines a trained TG-NAS model (stored in the model card)."""

    #: which graph: "network" (whole networks) or a cell one (spaces.base.REPRESENTATIONS)
    representation: str = "prune"
    length: str = "short"           # operator sentence length
    embedder_model: str = "all-MiniLM-L6-v2"  # sentence model (see embedding.embedder)
    pca: int | None = None          # PCA-64 embeddings or the raw 384-d
    hidden: int = 64
    layers: int = 3
    norm: str = "batch"
    readout: str = "mean"
    dropout: float = 0.1
    undirected: bool = True
    loss: str = "mse"               # mse | rank (pairwise logistic) | mse+rank
    epochs: int = 150
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 3e-6
    lr_step: int = 50               # StepLR step (epochs)
    lr_gamma: float = 0.5
    seed: int = 0
    shape_features: str = "none"    # numeric features besides the text: a key of shapes.FEATURE_SETS
    flops_fusion: float = 0.0       # fixed fusion at scoring time: + flops_fusion * log10(network FLOPs); 0 = none
    # the hierarchical model (representation "skeleton", model/hier.py)
    chain: bool = False             # block graphs with chains of layers merged into one node
    block_size: bool = False        # a per-block size term: a learnt non-negative weight x log10(block FLOPs)
    struct: bool = False            # structural node features (depth from inputs / to output, degrees)
    size_floor: float = 0.0         # the least weight of the network size term (per log10 FLOPs, z-scored labels)
    structure_penalty: float = 0.0  # training loss + this x the within-batch variance of the structure term
    size_terms: str = "flops"       # the monotone size term's features (comma list: flops, params)

    def __post_init__(self) -> None:
        if self.shape_features not in FEATURE_SETS:
            raise ValueError(f"unknown shape feature set {self.shape_features!r}; "
                             f"choose from {', '.join(FEATURE_SETS)}")

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """Build from a dict, ignoring unknown keys (a checkpoint from before shape features reads as ``none``)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def to_dict(self) -> dict:
        """Plain dict (JSON-ready)."""
        return asdict(self)

    @property
    def node_features(self) -> tuple[str, ...]:
        """The numeric features each node carries into the GCN besides its operator text (shapes.py)."""
        return FEATURE_SETS[self.shape_features][0]

    @property
    def graph_features(self) -> tuple[str, ...]:
        """The network-size features of the model's linear size term (empty: no such term)."""
        return FEATURE_SETS[self.shape_features][1]

    @property
    def uses_shapes(self) -> bool:
        """Whether the model needs graphs with shape context."""
        return bool(self.node_features or self.graph_features or self.flops_fusion) or self.hierarchical

    @property
    def hierarchical(self) -> bool:
        """Whether this is the hierarchical model (skeletons of blocks, model/hier.py) rather than the GCN."""
        return self.representation == "skeleton"

    def build_model(self, in_dim: int) -> "TGNASGCN":
        """A fresh, untrained model with this config's architecture: the GCN (torch-geometric), or the hierarchical
        model (plain torch) for skeletons."""
        if self.hierarchical:
            from ..network.skeleton import BLOCK_FEATURES
            from .hier import STRUCT_FEATURES, HierModel

            feat_dim = len(BLOCK_FEATURES) + (len(STRUCT_FEATURES) if self.struct else 0)
            return HierModel(in_dim, feat_dim, self.hidden, self.layers, self.size_terms.split(","), self.block_size,
                             self.size_floor)
        from .gcn import TGNASGCN

        return TGNASGCN(in_dim, hidden=self.hidden, layers=self.layers, norm=self.norm, readout=self.readout,
                        dropout=self.dropout, undirected=self.undirected, shape_dim=len(self.node_features),
                        size_dim=len(self.graph_features))

    def embedder(self) -> OperatorEmbedder:
        """The operator embedder this config expects (network graphs: composed layer-part embeddings)."""
        return OperatorEmbedder(self.length, self.pca, model=self.embedder_model,
                                compose=self.representation in ("network", "skeleton"))
