"""TG-NAS: a data-free zero-cost proxy for NAS (operator-text embeddings + GCN), packaged as a NASLib plugin.

>>> from tgnas_naslib import TGNAS
>>> best = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
>>> TGNAS.pretrained().score([best], space="nasbench201")  # doctest: +SKIP

Importing the package itself is cheap (no numpy, no torch): the names below load on first use, so
``tgnas --version`` and the NASLib autoload hook (:mod:`tgnas_naslib.autoload`) cost almost nothing.
"""

__version__ = "0.1.0"

#: public name -> the module that defines it
_LAZY = {
    "TGNAS": "api",
    "DISCONNECTED_SCORE": "api",
    "FusedProxy": "fusion",
    "ArchGraph": "graph",
    "ArchitectureError": "graph",
    "TGNASError": "errors",
    "SPACES": "spaces",
    "get_space": "spaces",
    "to_graph": "spaces",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["TGNAS", "FusedProxy", "ArchGraph", "ArchitectureError", "TGNASError", "SPACES", "get_space", "to_graph",
           "__version__"]
