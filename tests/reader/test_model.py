"""The reader's model: deterministic training, a file that round-trips, n-grams that read
spelling."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.reader.features import featurize, text_ids
from bot.reader.model import ReaderModel, TrainingOptions, train

TEXTS = [
    "the lawsuit over our charger",
    "we are being sued by a customer",
    "draft the spring newsletter intro",
    "write three subject lines for the sale",
    "plainte d'un client sur twitter, il menace de nous poursuivre",
    "rédige l'intro de la newsletter de printemps",
]
LABELS = [0, 0, 1, 1, 0, 1]
CATEGORIES = ("crisis", "drafting")


def _vectors() -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.normal(size=(len(TEXTS), 8)).astype(np.float32)


def _trained() -> ReaderModel:
    return train(
        _vectors(), featurize(TEXTS), LABELS, CATEGORIES, options=TrainingOptions(epochs=30)
    )


def test_training_learns_its_texts_and_is_deterministic() -> None:
    first, second = _trained(), _trained()
    p = first.probabilities(_vectors(), featurize(TEXTS))
    assert list(p.argmax(axis=1)) == LABELS
    assert np.array_equal(first.sparse, second.sparse)
    assert np.array_equal(first.dense, second.dense)


def test_a_saved_model_reads_the_same(tmp_path: Path) -> None:
    model = _trained()
    model.save(tmp_path / "reader.npz")
    loaded = ReaderModel.load(tmp_path / "reader.npz")
    assert loaded is not None and loaded.categories == CATEGORIES
    before = model.probabilities(_vectors(), featurize(TEXTS))
    after = loaded.probabilities(_vectors(), featurize(TEXTS))
    assert np.allclose(before, after, atol=1e-3)  # the sparse weights are stored as half floats


def test_a_missing_or_foreign_file_is_no_model(tmp_path: Path) -> None:
    assert ReaderModel.load(tmp_path / "absent.npz") is None
    np.savez(tmp_path / "other.npz", format=np.array("something-else"))
    assert ReaderModel.load(tmp_path / "other.npz") is None
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    assert ReaderModel.load(tmp_path / "junk.npz") is None


def test_obfuscated_spelling_reads_like_the_plain_word() -> None:
    assert set(text_ids("lawsuit")) == set(text_ids("l4wsu1t"))
    assert set(text_ids("Rappel produit")) == set(text_ids("rappel   PRODUIT"))
