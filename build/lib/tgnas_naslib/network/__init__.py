"""Whole networks as architecture graphs: the ``network`` representation every space and every traced module share.

A network becomes one :class:`~tgnas_naslib.graph.ArchGraph` in three steps, whichever way it comes in (a space
adapter describing its benchmark's network with :class:`NetworkBuilder`, or :mod:`tgnas_naslib.modules` tracing a
``torch.nn.Module``):

1. a *raw* layer graph (:mod:`.raw`): one node per executed layer or functional op, with its shape and cost;
2. *folding* (:mod:`.fold`): identity-like nodes become edges, zero-multiplications cut edges, norms and
   activations fold into the layer they follow or precede, dead nodes are pruned;
3. *repeat collapsing* (:mod:`.repeat`): consecutive identical blocks (between nodes every input->output path
   passes) become one block whose nodes count their ``instances``.

Node names are canonical layer texts (:mod:`.parts`: ``"ReLU, 3x3 convolution, batch normalization"``) without
channel counts or strides, which the node's :class:`~tgnas_naslib.shapes.NodeShape` carries.
"""

from .builder import NetworkBuilder, Tensor
from .fold import finish
from .raw import LayerStat, OpInfo, Raw, network_cost
from .repeat import collapse_repeats

__all__ = ["NetworkBuilder", "Tensor", "finish", "Raw", "OpInfo", "LayerStat", "network_cost", "collapse_repeats"]
