"""Each benchmark's network as a ``torch.nn.Module``, written from its published definition (no torchvision).

One file per search space. Tracing one of these modules (:func:`tgnas_naslib.modules.module_graph`) gives the same
``network`` graph as the space's adapter describes (``tgnas_naslib.spaces.<space>.build_network``); the tests hold
the two equal, so a user's own module and a benchmark architecture are ranked on one footing.
"""
