"""Plain Hugging Face ``transformers`` models from small configs with seeded random weights.

Each factory returns the model exactly as ``transformers`` builds it — no wrapper: it takes its
inputs by their own names and returns its own ``ModelOutput``, which trtrepo names by field.
Nothing is downloaded: the models are made from config objects, and the Hub is switched off.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402

TEXT = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
            max_position_embeddings=64)


def _seeded(seed: int) -> None:
    torch.manual_seed(seed)


def bert(seed: int = 0) -> torch.nn.Module:
    """BertModel: last_hidden_state and pooler_output."""
    _seeded(seed)
    return transformers.BertModel(transformers.BertConfig(**TEXT, type_vocab_size=2))


def gpt2(seed: int = 0) -> torch.nn.Module:
    """GPT2Model without a key/value cache: last_hidden_state."""
    _seeded(seed)
    return transformers.GPT2Model(transformers.GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=4,
                                                          n_positions=64, bos_token_id=0, eos_token_id=0,
                                                          use_cache=False))


def llama(seed: int = 0) -> torch.nn.Module:
    """LlamaModel (RMS norm, rotary positions, grouped-query attention) without a cache."""
    _seeded(seed)
    return transformers.LlamaModel(transformers.LlamaConfig(
        vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=64, bos_token_id=1, eos_token_id=2, use_cache=False))


def t5_encoder(seed: int = 0) -> torch.nn.Module:
    """T5EncoderModel (relative position buckets, RMS-style layer norm)."""
    _seeded(seed)
    return transformers.T5EncoderModel(transformers.T5Config(vocab_size=100, d_model=32, d_kv=8, d_ff=64,
                                                             num_layers=2, num_heads=4))


def vit(seed: int = 0) -> torch.nn.Module:
    """ViTModel on 32x32 images in 8x8 patches: last_hidden_state and pooler_output."""
    _seeded(seed)
    return transformers.ViTModel(transformers.ViTConfig(image_size=32, patch_size=8, hidden_size=32,
                                                        num_hidden_layers=2, num_attention_heads=4,
                                                        intermediate_size=64))


def swin(seed: int = 0) -> torch.nn.Module:
    """SwinModel (shifted windows, patch merging) on 32x32 images."""
    _seeded(seed)
    return transformers.SwinModel(transformers.SwinConfig(image_size=32, patch_size=4, embed_dim=16, depths=[1, 1],
                                                          num_heads=[2, 2], window_size=4))


def resnet(seed: int = 0) -> torch.nn.Module:
    """ResNetModel (basic blocks): last_hidden_state and pooler_output."""
    _seeded(seed)
    return transformers.ResNetModel(transformers.ResNetConfig(embedding_size=16, hidden_sizes=[16, 32],
                                                              depths=[1, 1], layer_type="basic"))


def clip_text(seed: int = 0) -> torch.nn.Module:
    """CLIPTextModel (causal mask, pooled output at the end-of-text token)."""
    _seeded(seed)
    return transformers.CLIPTextModel(transformers.CLIPTextConfig(**TEXT, bos_token_id=0, eos_token_id=2))


def whisper_encoder(seed: int = 0) -> torch.nn.Module:
    """WhisperEncoder: log-mel frames (16 bins x 64 frames) to hidden states."""
    _seeded(seed)
    config = transformers.WhisperConfig(num_mel_bins=16, d_model=32, encoder_layers=2, encoder_attention_heads=4,
                                        encoder_ffn_dim=64, max_source_positions=32, decoder_layers=1,
                                        decoder_attention_heads=4, decoder_ffn_dim=64)
    return transformers.WhisperModel(config).get_encoder()


def wav2vec2(seed: int = 0) -> torch.nn.Module:
    """Wav2Vec2Model: raw audio through the convolutional feature encoder and a transformer."""
    _seeded(seed)
    return transformers.Wav2Vec2Model(transformers.Wav2Vec2Config(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64, conv_dim=(16, 16),
        conv_stride=(5, 2), conv_kernel=(10, 3), num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4))
