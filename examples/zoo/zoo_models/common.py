"""Helpers shared by the zoo models: deterministic weights and non-trivial batch-norm statistics."""

import torch
from torch import nn


def randomize_batch_norm(model: nn.Module) -> nn.Module:
    """Give every batch norm running statistics and affine parameters that are not the identity.

    Freshly built batch norms have mean 0, variance 1, weight 1 and bias 0, which would let a
    converter that ignores them pass; the zoo's are drawn from the (already seeded) generator.
    """
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
            nn.init.uniform_(module.weight, 0.5, 1.5)
            nn.init.uniform_(module.bias, -0.2, 0.2)
    return model


def key_padding_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """True where a token may be attended: the tokenizer's mask, with the first ([CLS]) token always kept.

    Random masks from ``trtrepo check`` may pad a whole row; tokenizers never do (the first token is
    always real), and a fully padded row has no defined attention output.
    """
    first = torch.arange(attention_mask.shape[1], device=attention_mask.device) == 0
    return (attention_mask != 0) | first
