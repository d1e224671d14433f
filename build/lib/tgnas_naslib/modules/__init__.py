"""Score any ``torch.nn.Module``: trace it into an architecture graph (:func:`module_graph`); reference models in
:mod:`tgnas_naslib.modules.zoo`."""

from .trace import TracedModule, module_graph, trace_module

__all__ = ["module_graph", "trace_module", "TracedModule"]
