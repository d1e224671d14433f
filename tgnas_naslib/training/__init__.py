"""Training recipes (above the scoring API: they build the public ``TGNAS`` object).

* :mod:`.pretrain`: the NB101-only recipe of the paper (``tgnas train``, the shipped model);
* :mod:`.multisource`: pooled cell-graph families, leave-family-out (``tgnas train --families / --leave-out``);
* :mod:`.universal`: every labelled family on whole-network graphs (``tgnas train --recipe universal``);
* :mod:`.ensemble`: the seed-ensemble-and-model-card loop the recipes share.
"""
