"""Training recipes (above the scoring API): the universal recipe trains on every labelled family, leave-family-out.

The NB101-only recipe of the paper lives in :mod:`tgnas_naslib.model.pretrain`."""
