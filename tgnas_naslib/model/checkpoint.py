"""Saving and loading trained TG-NAS models: one ``.pt`` file plus a JSON model card holding its sha256.

Loading checks the format marker, the version, the checksum against the card, and that the file's embedder
is the one it will be paired with; every failure is a :class:`CheckpointError` that names the file.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

from ..errors import TGNASError
from ..outputs import atomic_path, output_file, write_text

FORMAT = "tgnas-checkpoint"
VERSION = 1


class CheckpointError(TGNASError, RuntimeError):
    """A checkpoint is missing, corrupt, foreign, tampered with or paired with the wrong embedder."""


def sha256(path: str | Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def card_path(path: str | Path) -> Path:
    """The model card that belongs to a checkpoint: ``model.pt`` -> ``model.card.json``."""
    p = Path(path)
    return p.with_name(p.stem + ".card.json")


def save_checkpoint(path: str | Path, states: list[dict], meta: dict, card: dict | None = None) -> Path:
    """Write the checkpoint and its model card (card gets the file's sha256); returns the checkpoint path."""
    path = output_file(path, "checkpoint path", "model.pt")  # a folder or read-only place: one line, nothing written
    import torch

    buffer = io.BytesIO()  # torch names the archive inside after the file: a buffer keeps the bytes reproducible
    torch.save({"format": FORMAT, "version": VERSION, "meta": meta, "members": states}, buffer)
    with atomic_path(path) as tmp:  # never a half-written checkpoint where a good one was, nor a leftover temp file
        tmp.write_bytes(buffer.getvalue())
        digest = sha256(tmp)
    full_card = {**(card or {}), "checkpoint": path.name, "sha256": digest, "meta": meta}
    write_text(card_path(path), json.dumps(full_card, indent=2, sort_keys=False) + "\n")
    return path


def load_checkpoint(path: str | Path, verify: bool = True) -> tuple[list[dict], dict, dict | None]:
    """Read a checkpoint: (member state dicts, meta, card or None). Raises CheckpointError with the reason."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"TG-NAS checkpoint not found: {path}")
    card = None
    cpath = card_path(path)
    if cpath.is_file():
        try:
            card = json.loads(cpath.read_text())
        except json.JSONDecodeError as exc:
            raise CheckpointError(f"model card {cpath} is not valid JSON ({exc})") from None
        if verify and card.get("sha256") and card["sha256"] != sha256(path):
            raise CheckpointError(
                f"checksum mismatch for {path}: the file does not match its model card {cpath.name} "
                "(corrupt download, truncated copy or edited file); retrain with `tgnas train` or reinstall"
            )
    import torch

    try:
        blob: Any = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for garbage input
        # torch's own text advises weights_only=False (unsafe for a file we cannot vouch for): keep only its first
        # sentence
        first = str(exc).split(". ")[0].splitlines()[0][:160] if str(exc) else ""
        raise CheckpointError(f"{path} is corrupt or not a TG-NAS checkpoint ({type(exc).__name__}"
                              f"{': ' + first if first else ''}); retrain with `tgnas train` or use a shipped "
                              "model (nb101, nb101-text)") from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a TG-NAS checkpoint (no '{FORMAT}' marker): a foreign file?")
    if blob.get("version") != VERSION:
        raise CheckpointError(f"{path} has checkpoint version {blob.get('version')}, this tgnas_naslib reads {VERSION}")
    members, meta = blob.get("members"), blob.get("meta")
    if not isinstance(members, list) or not members or not isinstance(meta, dict):
        raise CheckpointError(f"{path} is a truncated TG-NAS checkpoint (no model members or metadata)")
    return members, meta, card
