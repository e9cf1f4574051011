"""Post-training quantization (``precision: int8`` / ``fp8``): settings, calibration, Q/DQ placement.

The stage runs between capture and lowering: the captured program is calibrated and rewritten with
quantize/dequantize ops by PyTorch's PT2E quantization (``torchao.quantization.pt2e``), then captured
again, so the converter sees ``quantized_decomposed`` Q/DQ ops and turns them into TensorRT
``IQuantizeLayer``/``IDequantizeLayer``.
"""

from trtrepo.quantize.settings import QUANTIZED_PRECISIONS, QuantSettings, is_quantized, quant_settings

__all__ = ["QUANTIZED_PRECISIONS", "QuantSettings", "is_quantized", "quant_settings"]
