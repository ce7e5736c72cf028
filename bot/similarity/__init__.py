"""The similarity layer: how close a request is to each category's example phrases.

Owns the example index and its verdict (:mod:`.index`), the trained head that gives a second
reading (:mod:`.head`), the layer that weighs both against the rules' hits (:mod:`.layer`), the
phrase and head caches and the seed shipped for the bundled policy (:mod:`.cache`, :mod:`.seed`,
``seed/``), threshold calibration (:mod:`.calibrate`, plain functions behind `should-ai policy
calibrate`), and the assembly of the engine the bot decides with (:func:`build_engine`: rules,
then similarity). It encodes through :class:`bot.encoder.Encoder` and plugs into the decision
core through :class:`bot.policy.layers.PolicyLayer`; the core knows nothing of it.
"""

from bot.similarity.build import build_engine, default_layers
from bot.similarity.index import UNCERTAIN_PREFIX, ExampleIndex, judge, thresholds_of
from bot.similarity.layer import SimilarityLayer, shared_encoder

__all__ = [
    "UNCERTAIN_PREFIX",
    "ExampleIndex",
    "SimilarityLayer",
    "build_engine",
    "default_layers",
    "judge",
    "shared_encoder",
    "thresholds_of",
]
