"""TG-NAS: a data-free zero-cost proxy for NAS (operator-text embeddings + GCN), packaged as a NASLib plugin.

>>> from tgnas_naslib import TGNAS
>>> TGNAS.pretrained().score(["|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"],
...                          space="nasbench201")  # doctest: +SKIP
"""

__version__ = "0.1.0"

from .graph import ArchGraph, ArchitectureError  # noqa: E402
from .spaces import SPACES, get_space, to_graph  # noqa: E402


def __getattr__(name: str):
    # TGNAS pulls in torch / torch-geometric: import it only when asked for
    if name in ("TGNAS", "DISCONNECTED_SCORE"):
        from . import api

        return getattr(api, name)
    raise AttributeError(name)


__all__ = ["TGNAS", "ArchGraph", "ArchitectureError", "SPACES", "get_space", "to_graph", "__version__"]
