"""The shipped models by name, the default, and how they are fine-tuned by default (no torch import: the CLI's help
texts read them)."""

from __future__ import annotations

from pathlib import Path

PRETRAINED_DIR = Path(__file__).with_name("pretrained")
#: shipped models by name (a model bundle or one checkpoint). The default ``universal`` is a bundle: each space is
#: scored by the member that never saw its design family (zero-shot), other spaces by the all-family member
#: (docs/universal.md); ``universal-all`` is that all-family member (in-family on its training families) and
#: ``lfo-<family>`` the leave-family-out members; ``nb101`` is the paper's setting (shape-aware cell graphs, 500 NB101
#: archs), ``nb101-text`` its text-only model and ``nb101-nas-embedder`` the text-only recipe on the NAS-tuned embedder
PRETRAINED_MODELS = {"universal": PRETRAINED_DIR / "universal.bundle.json",
                     "universal-all": PRETRAINED_DIR / "tgnas_universal.pt",
                     **{f"lfo-{family}": PRETRAINED_DIR / "lfo" / f"lfo_{family}.pt"
                        for family in ("nb101", "nb201", "nb301", "nbmacro")},
                     "nb101": PRETRAINED_DIR / "tgnas_nb101.pt",
                     "nb101-text": PRETRAINED_DIR / "tgnas_nb101_text.pt",
                     "nb101-nas-embedder": PRETRAINED_DIR / "tgnas_nb101_nas_embedder.pt"}
#: the model used when none is named
DEFAULT_MODEL = "universal"
#: few-shot fine-tuning of a model by default (``TGNAS.finetune``, NASLib's ``predictor: tgnas`` with ``zero_shot:
#: false``, the project runner's ``finetune_epochs``): chosen on NB101 only, fine-tuning the member that never saw
#: NB101, a family no few-shot table reports (``experiments/fewshot_select.py``, docs/predictors.md); 50 epochs before
FINETUNE_EPOCHS = 150
FINETUNE_LR = 3e-4
