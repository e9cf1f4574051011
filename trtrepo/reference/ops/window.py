"""Padding arithmetic shared by convolution, deconvolution and pooling (``PaddingMode`` in NvInfer.h).

With I the input length, B/A the pre/post padding, S the stride, DK the (dilated) window and
M = I + B + A:

* EXPLICIT_ROUND_DOWN: O = floor((M - DK) / S) + 1, using the layer's pre/post padding.
* EXPLICIT_ROUND_UP: O = ceil((M - DK) / S) + 1; the last window may run past the padded input.
* SAME_UPPER / SAME_LOWER: O = ceil(I / S), total padding P = floor((I - 1) / S) * S + DK - I,
  split B = floor(P / 2), A = P - B (UPPER) or A = floor(P / 2), B = P - A (LOWER).
"""

from __future__ import annotations

from dataclasses import dataclass

from trtrepo.reference.layer import LayerContext, dims


@dataclass(frozen=True)
class AxisWindow:
    """Where the windows of one spatial axis sit: explicit pads and the round-up overhang."""

    pre: int
    post: int
    overhang: int  # extra positions past the padded input needed by EXPLICIT_ROUND_UP


def spatial_windows(ctx: LayerContext, lengths: list[int], windows: list[int], strides: list[int]) -> list[AxisWindow]:
    """Per-axis padding for a conv/pooling layer, from its padding mode and pre/post padding."""
    mode = ctx.layer.padding_mode.name
    pre = dims(ctx.layer.pre_padding) or [0] * len(lengths)
    post = dims(ctx.layer.post_padding) or [0] * len(lengths)
    if not len(pre) == len(post) == len(lengths) == len(windows) == len(strides):
        raise ctx.fail(f"padding {pre}/{post} does not match {len(lengths)} spatial dimensions")
    if any(s < 1 for s in strides):
        raise ctx.fail(f"strides {strides} must be positive")
    result = []
    for length, window, stride, before, after in zip(lengths, windows, strides, pre, post, strict=True):
        result.append(_axis(ctx, mode, length, window, stride, before, after))
    return result


def _axis(ctx: LayerContext, mode: str, length: int, window: int, stride: int, before: int, after: int) -> AxisWindow:
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        total = (length - 1) // stride * stride + window - length
        half = total // 2
        if mode == "SAME_UPPER":
            return AxisWindow(half, total - half, 0)
        return AxisWindow(total - half, half, 0)
    if before < 0 or after < 0:
        raise ctx.fail(f"negative padding {before}/{after} is not supported")
    padded = length + before + after
    if padded < window:
        raise ctx.fail(f"window {window} is larger than the padded input {padded}")
    if mode == "EXPLICIT_ROUND_DOWN":
        return AxisWindow(before, after, 0)
    if mode == "EXPLICIT_ROUND_UP":
        count = -(-(padded - window) // stride) + 1
        return AxisWindow(before, after, (count - 1) * stride + window - padded)
    raise ctx.unsupported(f"padding mode {mode} is not implemented")
