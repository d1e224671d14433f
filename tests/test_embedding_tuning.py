"""The fine-tuning dataset, its pairs, and the shipped tuned embedder (all-MiniLM-L6-v2-nas)."""

import zlib

import numpy as np
import pytest

from tgnas_naslib.embedding import OperatorEmbedder
from tgnas_naslib.embedding.descriptions import (
    NAS_CATEGORIES,
    SKIPPED,
    build_dataset,
    category_of,
    clean_docstring,
    held_out_classes,
    torch_layer_classes,
)
from tgnas_naslib.embedding.pairs import DIFFERENT, SAME_CATEGORY, SAME_CLASS, sample_pairs, train_eval_pairs
from tgnas_naslib.embedding.vocabulary import LENGTHS, vocabulary

TUNED = "all-MiniLM-L6-v2-nas"


@pytest.fixture(scope="module")
def dataset():
    return build_dataset()


@pytest.fixture(scope="module")
def split():
    return train_eval_pairs(n_train=600, n_eval=300, seed=3)


def test_dataset_is_deterministic_and_covers_the_nas_vocabulary(dataset):
    assert dataset == build_dataset() and dataset == sorted(dataset)
    texts = {(r.cls, r.text) for r in dataset}
    for canon, entry in vocabulary().items():
        for alias in entry["aliases"]:
            assert (canon, alias) in texts, alias
        for length in LENGTHS:
            assert (canon, entry[length]) in texts, (canon, length)
    assert all(r.cls not in held_out_classes() for r in dataset if r.source.startswith("nas_"))


def test_every_torch_class_has_a_category_and_records(dataset):
    import torch.nn as nn

    classes = torch_layer_classes()
    assert not set(SKIPPED) & set(classes)
    assert {"Conv2d", "MaxPool2d", "BatchNorm2d", "ReLU", "Dropout", "LSTM", "MultiheadAttention"} <= set(classes)
    every = {n for n in dir(nn) if isinstance(getattr(nn, n), type) and issubclass(getattr(nn, n), nn.Module)}
    assert every - set(classes) == set(SKIPPED) & every
    names = {r.text for r in dataset if r.source == "name"}
    for name in classes:
        assert category_of(name) and name in names
    assert category_of("Conv2d") == "convolution" and category_of("AvgPool2d") == "pooling"
    assert category_of("CrossEntropyLoss") == "loss" and category_of("SomethingNew") == "other"
    assert all(NAS_CATEGORIES.get(c) for c in vocabulary())


def test_docstrings_are_cleaned():
    doc = "Applies a :class:`~torch.nn.Conv2d` over :math:`(N, C)` ``input``.\n\nMore text."
    assert clean_docstring(doc) == "Applies a Conv2d over input."
    assert clean_docstring(None) == ""


def test_held_out_classes_are_spread_over_categories():
    held = held_out_classes()
    n_torch = len(torch_layer_classes())
    assert 0.10 * n_torch <= len(held) <= 0.20 * n_torch
    assert len({category_of(h) for h in held}) >= 8
    assert not set(held) & set(vocabulary())


def test_pair_labels_follow_the_rules(split):
    for pairs in split:
        labels = [p.label for p in pairs]
        assert abs(labels.count(SAME_CLASS) - labels.count(DIFFERENT)) <= 1
        for p in pairs:
            if p.a.cls == p.b.cls:
                assert p.label == SAME_CLASS
            elif p.a.category == p.b.category:
                assert p.label == SAME_CATEGORY
            else:
                assert p.label == DIFFERENT


def test_held_out_classes_never_appear_in_train_pairs(split):
    train, evaluation = split
    held = set(held_out_classes())
    assert not {c for p in train for c in (p.a.cls, p.b.cls)} & held
    assert all(p.a.cls in held for p in evaluation)
    assert train == train_eval_pairs(n_train=600, n_eval=300, seed=3)[0]  # seeded
    assert sample_pairs(build_dataset(), 30, seed=1) != sample_pairs(build_dataset(), 30, seed=2)


def test_tuned_embedder_uses_its_cache_for_known_ops(monkeypatch):
    import tgnas_naslib.embedding.embedder as emb

    def boom(_):
        raise AssertionError("the transformer was loaded for a known operator")

    monkeypatch.setattr(emb, "encode_sentences", boom)
    names = [alias for entry in vocabulary().values() for alias in entry["aliases"]]
    for length in LENGTHS:
        tuned = OperatorEmbedder(length, model=TUNED)
        vecs = tuned.embed(names)
        assert vecs.shape == (len(names), tuned.dim) == (len(names), 384) and vecs.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
        base = OperatorEmbedder(length).embed(names)
        assert np.abs(vecs - base).max() > 0.05  # the tuned vectors are not the base ones
        # the cache is the base cache through the shipped projection
        np.testing.assert_allclose(vecs, emb.project(base), atol=1e-4)
    from tgnas_naslib.embedding.embedder import projection_digest

    assert OperatorEmbedder(model=TUNED).config == {"model": TUNED, "length": "short", "pca": None,
                                                     "projection_sha256": projection_digest()}
    assert OperatorEmbedder().config == {"model": "all-MiniLM-L6-v2", "length": "short", "pca": None}


def test_unknown_model_and_pca_on_tuned_are_clear_errors():
    with pytest.raises(ValueError, match="unknown embedding model 'mpnet'.*all-MiniLM-L6-v2-nas"):
        OperatorEmbedder(model="mpnet")
    with pytest.raises(ValueError, match="PCA-64 is only packaged"):
        OperatorEmbedder(pca=64, model=TUNED)


@pytest.mark.slow
def test_tuned_embedder_embeds_an_unknown_op_offline(monkeypatch):
    """An unknown op goes through the offline base MiniLM and the shipped projection (no hub)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from tgnas_naslib.embedding.embedder import encode_sentences, project
    from tgnas_naslib.embedding.vocabulary import describe

    tuned = OperatorEmbedder("short", model=TUNED)
    new, sep3, pool = tuned.embed(["sep_conv_7x7", "sep_conv_3x3", "max_pool_3x3"])
    np.testing.assert_allclose(new, project(encode_sentences([describe("sep_conv_7x7")]))[0], atol=1e-5)
    assert new @ sep3 > new @ pool


def test_similarity_table_rows():
    from tgnas_naslib.embedding.similarity import TABLE8_PAIRS, similarity_table

    rows = similarity_table(TUNED, pairs=[("maxpool3x3", "avg_pool_3x3"), ("maxpool3x3", "nor_conv_3x3")])
    assert rows[0][2] > rows[1][2]
    assert len(TABLE8_PAIRS) == 6


def test_projection_training_smoke(split):
    """Option (c) trains deterministically on frozen vectors (a fake 384-d encoder here: no transformer)."""
    from tgnas_naslib.embedding.finetune import evaluate, projection_encoder, train_projection

    def fake(texts):
        rng = [np.random.default_rng(zlib.crc32(t.encode())) for t in texts]
        v = np.stack([r.standard_normal(384) for r in rng]).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    train, evaluation = split
    w1 = train_projection(train[:60], fake, seed=0, epochs=2)
    w2 = train_projection(train[:60], fake, seed=0, epochs=2)
    assert w1.shape == (384, 384) and np.array_equal(w1, w2)
    metrics = evaluate(projection_encoder(fake, w1), evaluation[:30])
    assert set(metrics) == {"spearman", "cos@1.0", "cos@0.7", "cos@0.0"}


def test_gcn_embedder_mismatch_is_refused(tmp_path, monkeypatch):
    """A GCN only loads beside the embedder it was trained on: another model, or another tuned projection."""
    import tgnas_naslib.embedding.embedder as emb
    from tgnas_naslib import TGNAS
    from tgnas_naslib.model.checkpoint import CheckpointError
    from tgnas_naslib.model.train import TrainConfig

    config = TrainConfig(embedder_model=TUNED, hidden=8)
    path = TGNAS([config.build_model(384)], config).save(tmp_path / "tuned.pt")
    assert TGNAS.load(path).embedder.config["model"] == TUNED
    with pytest.raises(CheckpointError, match="trained with embedder .*all-MiniLM-L6-v2-nas.*would be paired"):
        TGNAS.load(path, expect_embedder=OperatorEmbedder().config)
    monkeypatch.setattr(emb, "projection_digest", lambda: "0123456789abcdef")  # a re-tuned projection
    with pytest.raises(CheckpointError, match="only works with the operator embedder it was trained on"):
        TGNAS.load(path)
    # and the packaged tuned cache (vectors of the old projection) is not trusted any more
    assert OperatorEmbedder(model=TUNED)._memo == {}


def test_registered_vector_table_of_another_model(tmp_path):
    """Another sentence model's vocabulary table (embedding ablations): its own width, known ops only."""
    from tgnas_naslib.embedding.embedder import EmbedderError, register_vector_table
    from tgnas_naslib.embedding.vocabulary import describe

    names = ["nor_conv_3x3", "avg_pool_3x3"]
    vectors = np.random.default_rng(0).standard_normal((2, 16)).astype(np.float32)
    np.savez(tmp_path / "t.npz", short_names=np.array(names), short_texts=np.array([describe(n) for n in names]),
             short_vectors=vectors)
    register_vector_table("toy-16", tmp_path / "t.npz")
    e = OperatorEmbedder("short", model="toy-16")
    assert e.dim == 16 and np.array_equal(e.embed(names[::-1]), vectors[::-1])
    with pytest.raises(EmbedderError, match="no vector in the table registered as 'toy-16'"):
        e.embed(["sep_conv_7x7"])
    with pytest.raises(EmbedderError, match="has no 'long' sentences"):
        OperatorEmbedder("long", model="toy-16")
    with pytest.raises(ValueError, match="packaged model"):
        register_vector_table(TUNED, tmp_path / "t.npz")


def test_unreadable_vector_table_and_projection_are_clear_errors(tmp_path, monkeypatch):
    """A missing or corrupt npz (another model's table, the tuned projection) names the file."""
    import tgnas_naslib.embedding.embedder as emb
    from tgnas_naslib.embedding.embedder import EmbedderError, register_vector_table

    with pytest.raises(EmbedderError, match="cannot read the vector table .*missing.npz"):
        register_vector_table("toy", tmp_path / "missing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not an npz")
    monkeypatch.setattr(emb, "PROJECTION_FILE", junk)
    emb.projection.cache_clear()
    try:
        with pytest.raises(EmbedderError, match="junk.npz is missing or unreadable"):
            emb.projection()
    finally:
        emb.projection.cache_clear()
