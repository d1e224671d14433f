"""Operator vocabulary, descriptions and embeddings (the packaged cache and the offline transformer)."""

import numpy as np
import pytest

from tgnas_naslib.embedding import OperatorEmbedder, describe
from tgnas_naslib.embedding.vocabulary import canonical_op, tokenize, vocabulary
from tgnas_naslib.spaces import SPACES


def test_every_space_operator_is_in_the_vocabulary():
    for space in SPACES.values():
        for op in space.operators:
            assert canonical_op(op) is not None, (space.name, op)


def test_same_operator_same_sentence_across_spaces():
    for length in ("short", "medium", "long"):
        assert (describe("conv3x3-bn-relu", length) == describe("nor_conv_3x3", length)
                == describe("ReLUConvBN3x3", length))
        assert describe("maxpool3x3", length) == describe("max_pool_3x3", length)
    assert describe("skip_connect") == "Residual connection"


def test_unknown_operator_gets_a_derived_description():
    assert tokenize("sep_conv_7x7") == ["sep", "conv", "7x7"]
    assert tokenize("Conv2d") == ["Conv", "2d"]
    assert describe("sep_conv_7x7") == "Separable convolution 7x7"
    assert describe("conv5x5-bn-relu").startswith("Convolution 5x5 batch normalization")
    assert "ReLU" in describe("relu_conv_bn_5x5", "long")
    with pytest.raises(ValueError, match="sentence length"):
        describe("conv3x3-bn-relu", "huge")


def test_packaged_cache_covers_the_vocabulary_without_loading_the_transformer(monkeypatch):
    import tgnas_naslib.embedding.embedder as emb

    def boom(_):
        raise AssertionError("the transformer was loaded for a known operator")

    monkeypatch.setattr(emb, "encode_sentences", boom)
    names = [alias for entry in vocabulary().values() for alias in entry["aliases"]]
    for length in ("short", "medium", "long"):
        vecs = OperatorEmbedder(length).embed(names)
        assert vecs.shape == (len(names), 384) and vecs.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert OperatorEmbedder("short", pca=64).embed(names).shape == (len(names), 64)


@pytest.mark.slow
def test_cache_matches_the_offline_transformer_and_unknown_ops_embed():
    from tgnas_naslib.embedding.embedder import encode_sentences

    e = OperatorEmbedder("short")
    cached = e.embed(["nor_conv_3x3", "avg_pool_3x3"])
    fresh = encode_sentences([describe("nor_conv_3x3"), describe("avg_pool_3x3")])
    np.testing.assert_allclose(cached, fresh, atol=1e-4)
    new = e.embed(["sep_conv_7x7", "conv3x3-bn-relu"])
    assert new.shape == (2, 384)
    # a 7x7 separable conv sits closer to a 3x3 separable conv than to max pooling
    sep3, pool = e.embed(["sep_conv_3x3", "max_pool_3x3"])
    assert new[0] @ sep3 > new[0] @ pool
