"""Hugging Face ``transformers`` models built from a small config with random weights.

Nothing is downloaded: the models are made from a config object, never ``from_pretrained``, and
the Hub is switched off before ``transformers`` is imported. Each wrapper returns plain tensors
(no ``ModelOutput``) so torch.export and models.yaml's output names apply.
"""

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # the zoo never downloads: configs only, random weights
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import torch  # noqa: E402
import transformers  # noqa: E402
from torch import nn  # noqa: E402

from .common import key_padding_mask  # noqa: E402

SMALL_TEXT = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                  intermediate_size=64, max_position_embeddings=32)


class Bert(nn.Module):
    """BertModel: the last hidden state and the pooled [CLS] output."""

    def __init__(self, attn_implementation: str):
        super().__init__()
        config = transformers.BertConfig(**SMALL_TEXT, type_vocab_size=2, attn_implementation=attn_implementation)
        self.model = transformers.BertModel(config)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.model(input_ids=input_ids, attention_mask=key_padding_mask(attention_mask).long(),
                         return_dict=True)
        return out.last_hidden_state, out.pooler_output


class ViT(nn.Module):
    """ViTModel: the last hidden state (the [CLS] token and one token per 8x8 patch)."""

    def __init__(self, attn_implementation: str):
        super().__init__()
        config = transformers.ViTConfig(image_size=32, patch_size=8, num_channels=3, hidden_size=32,
                                        num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                                        attn_implementation=attn_implementation)
        self.model = transformers.ViTModel(config, add_pooling_layer=False)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.model(pixel_values=pixel_values, return_dict=True).last_hidden_state


class GPT2(nn.Module):
    """GPT2LMHeadModel without a key/value cache: next-token logits for every position."""

    def __init__(self, attn_implementation: str):
        super().__init__()
        config = transformers.GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=4, n_positions=32,
                                         bos_token_id=99, eos_token_id=99, use_cache=False,
                                         attn_implementation=attn_implementation)
        self.model = transformers.GPT2LMHeadModel(config)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, use_cache=False, return_dict=True).logits


class Llama(nn.Module):
    """LlamaForCausalLM (RMS norm, rotary positions, grouped-query attention, SiLU-gated MLP): logits."""

    def __init__(self, attn_implementation: str):
        super().__init__()
        config = transformers.LlamaConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                          num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=32,
                                          bos_token_id=1, eos_token_id=2, pad_token_id=0, use_cache=False,
                                          attn_implementation=attn_implementation)
        self.model = transformers.LlamaForCausalLM(config)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, use_cache=False, return_dict=True).logits


MODELS = {"bert": Bert, "vit": ViT, "gpt2": GPT2, "llama": Llama}


def build(arch: str, attn_implementation: str = "sdpa", seed: int = 0) -> nn.Module:
    """One of ``bert``, ``vit``, ``gpt2``, ``llama`` with seeded random weights, in eval mode."""
    torch.manual_seed(seed)
    return MODELS[arch](attn_implementation).eval()
