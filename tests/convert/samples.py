"""Seeded sample inputs for converter tests: the same values on every run and every machine."""

from __future__ import annotations

import torch


def sample(*shape: int, dtype: torch.dtype = torch.float32, seed: int = 0, low: int = -8, high: int = 8,
           scale: float = 1.0) -> torch.Tensor:
    """A tensor of ``shape`` drawn from a generator seeded with ``seed``.

    Floats are standard normal times ``scale`` (drawn in float32, then cast to ``dtype``); bools are
    fair coin flips; integers are uniform in ``[low, high]``, both ends included.
    """
    generator = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point:
        return (torch.randn(shape, generator=generator) * scale).to(dtype)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    return torch.randint(low, high + 1, shape, generator=generator).to(dtype)
