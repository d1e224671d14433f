"""Operator text descriptions and their sentence-transformer embeddings."""

from .embedder import EMBED_DIM, MODELS, EmbedderError, OperatorEmbedder
from .similarity import similarity_table
from .vocabulary import LENGTHS, describe

__all__ = ["OperatorEmbedder", "EmbedderError", "EMBED_DIM", "LENGTHS", "MODELS", "describe", "similarity_table"]
