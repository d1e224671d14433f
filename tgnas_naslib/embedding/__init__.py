"""Operator text descriptions and their sentence-transformer embeddings."""

from .embedder import EMBED_DIM, EmbedderError, OperatorEmbedder
from .vocabulary import LENGTHS, describe

__all__ = ["OperatorEmbedder", "EmbedderError", "EMBED_DIM", "LENGTHS", "describe"]
