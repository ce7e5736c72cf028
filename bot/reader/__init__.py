"""The trained reader: the main judge of which category a request belongs to.

- :mod:`.features` turns text into hashed character and word n-grams;
- :mod:`.model` is the softmax regression over those and the sentence embedding, its
  deterministic training and its file format;
- :mod:`.training` says what a policy learns from (its knowledge pack, then the admin's
  additions) and finds the model for it: cached, shipped in ``seed/`` (:mod:`.seed`), fine-tuned
  or trained;
- :mod:`.layer` is the engine layer that turns a reading into a hit (after the tripwires);
- :mod:`.calibrate` measures the human threshold (`should-ai policy calibrate`);
- :func:`build_engine` puts the decision core and the reader together.

It encodes through :class:`bot.encoder.Encoder` and plugs into the decision core through
:class:`bot.policy.layers.PolicyLayer`; the core knows nothing of it.
"""

from bot.reader.build import build_engine, default_layers
from bot.reader.features import SparseBatch, featurize
from bot.reader.layer import UNCERTAIN_PREFIX, ReaderLayer, Reading, shared_encoder
from bot.reader.model import ReaderModel, TrainingOptions, train

__all__ = [
    "UNCERTAIN_PREFIX",
    "ReaderLayer",
    "ReaderModel",
    "Reading",
    "SparseBatch",
    "TrainingOptions",
    "build_engine",
    "default_layers",
    "featurize",
    "shared_encoder",
    "train",
]
