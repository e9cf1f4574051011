"""``trtrepo tune-precision``: the smallest set of FX nodes that must stay in fp32 in an fp16/bf16 engine.

``search`` finds the set (capture once, reconvert per trial, follow the first divergence, then
delta debugging); ``result`` is what it found; ``render`` shows it; ``write`` adds the entries to
models.yaml without losing its comments or layout; ``record`` keeps the result for the next build.
This package's ``__init__`` imports nothing, so the build can read ``record`` without the tuner.
"""
