"""The tiny Qwen3-Omni configuration.

Every id, token, rate and behavioural setting is the real Qwen/Qwen3-Omni-30B-A3B-Instruct value
(../shared/spec/qwen3-omni.md §1); only widths and depths are shrunk. Keys that the real config.json carries but the
transformers classes do not declare (head_dim, shared_expert_intermediate_size, vision_start/end ids, speaker_id, ...)
are written explicitly, because transformers 5.18 needs several of them (§1.7) and a TS config reader must find them.

Size budget: the real vocabularies (152064 thinker, 3072 talker codec, 2048 code-predictor codebooks, 16x2048 code2wav
codebook) are kept, so the embedding tables dominate model.safetensors (fixtures must stay under 30 MB): the thinker
text width is therefore 8 and the talker / code-predictor width 12 (deliberately different, so that a port mixing up
thinker and talker widths fails loudly).
"""

from __future__ import annotations

# --- shrunk widths/depths -------------------------------------------------------------------------------------------
THINKER_HIDDEN = 8
THINKER_LAYERS = 5
ACCEPT_HIDDEN_LAYER = 4  # hidden_states[4] = output of layer 3 (pre-norm, after the deepstack layers 0..2)
TALKER_HIDDEN = 12
HEAD_DIM = 32  # thinker and talker; mrope_section sums to HEAD_DIM / 2
MROPE_SECTION = [8, 4, 4]  # like the real [24,20,20]: interleaved T/H/W with a T-only tail (freqs 12..15)

SPEAKERS = {"chelsie": 2301, "ethan": 2302, "aiden": 2303}


def mrope(theta: float = 1000000.0) -> dict:
    return {
        "rope_type": "default",
        "rope_theta": theta,
        "mrope_section": list(MROPE_SECTION),
        "interleaved": True,
        "mrope_interleaved": True,
    }


def build_config_dict() -> dict:
    """Keyword arguments for transformers' Qwen3OmniMoeConfig (nested dicts)."""
    thinker_text = dict(
        vocab_size=152064,
        hidden_size=THINKER_HIDDEN,
        intermediate_size=24,  # unused: every layer is MoE (mlp_only_layers = [])
        num_hidden_layers=THINKER_LAYERS,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=HEAD_DIM,
        hidden_act="silu",
        max_position_embeddings=65536,
        rms_norm_eps=1e-6,
        rope_parameters=mrope(),
        attention_bias=False,
        attention_dropout=0.0,
        decoder_sparse_step=1,
        mlp_only_layers=[],
        num_experts=8,
        num_experts_per_tok=3,
        moe_intermediate_size=8,
        norm_topk_prob=True,
        shared_expert_intermediate_size=0,
        router_aux_loss_coef=0.001,
        output_router_logits=False,
        sliding_window=None,
        use_sliding_window=False,
        use_qk_norm=True,
        use_cache=True,
        tie_word_embeddings=False,
        initializer_range=0.02,
    )
    audio = dict(
        num_mel_bins=128,
        d_model=32,
        encoder_layers=2,
        encoder_attention_heads=2,
        encoder_ffn_dim=64,
        activation_function="gelu",
        downsample_hidden_size=8,
        output_dim=THINKER_HIDDEN,
        n_window=50,
        n_window_infer=800,
        conv_chunksize=500,
        max_source_positions=1500,
        scale_embedding=False,
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        initializer_range=0.02,
    )
    vision = dict(
        depth=5,
        hidden_size=32,
        num_heads=2,
        intermediate_size=64,
        hidden_act="gelu_pytorch_tanh",
        in_channels=3,
        in_chans=3,
        patch_size=16,
        spatial_patch_size=16,
        temporal_patch_size=2,
        spatial_merge_size=2,
        num_position_embeddings=2304,
        image_size=768,
        deepstack_visual_indexes=[1, 2, 3],
        apply_vit_abs_pos_embed=True,
        out_hidden_size=THINKER_HIDDEN,
        tokens_per_second=2,
        initializer_range=0.02,
    )
    thinker = dict(
        text_config=thinker_text,
        audio_config=audio,
        vision_config=vision,
        audio_token_id=151675,
        audio_start_token_id=151669,
        audio_end_token_id=151670,
        image_token_id=151655,
        video_token_id=151656,
        vision_start_token_id=151652,
        vision_end_token_id=151653,
        user_token_id=872,
        position_id_per_seconds=13,
        seconds_per_chunk=2,
        tie_word_embeddings=False,
        initializer_range=0.02,
    )
    talker_text = dict(
        vocab_size=3072,
        hidden_size=TALKER_HIDDEN,
        intermediate_size=24,  # width of text_projection / hidden_projection
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=HEAD_DIM,
        hidden_act="silu",
        max_position_embeddings=65536,
        rms_norm_eps=1e-6,
        rope_parameters=mrope(),
        attention_bias=False,
        attention_dropout=0.0,
        decoder_sparse_step=1,
        mlp_only_layers=[],
        num_experts=6,
        num_experts_per_tok=2,
        moe_intermediate_size=8,
        norm_topk_prob=True,
        shared_expert_intermediate_size=12,
        router_aux_loss_coef=0.001,
        output_router_logits=False,
        sliding_window=None,
        use_sliding_window=False,
        use_cache=True,
        tie_word_embeddings=False,
        initializer_range=0.02,
    )
    code_predictor = dict(
        vocab_size=2048,
        hidden_size=TALKER_HIDDEN,
        intermediate_size=24,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=HEAD_DIM,
        hidden_act="silu",
        max_position_embeddings=32768,
        rms_norm_eps=1e-6,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},
        attention_bias=False,
        attention_dropout=0.0,
        sliding_window=None,
        use_sliding_window=False,
        num_code_groups=16,
        use_cache=True,
        tie_word_embeddings=False,
        initializer_range=0.02,
    )
    talker = dict(
        text_config=talker_text,
        code_predictor_config=code_predictor,
        num_code_groups=16,
        thinker_hidden_size=THINKER_HIDDEN,
        accept_hidden_layer=ACCEPT_HIDDEN_LAYER,
        codec_pad_id=2148,
        codec_bos_id=2149,
        codec_eos_token_id=2150,
        codec_nothink_id=2155,
        codec_think_bos_id=2156,
        codec_think_eos_id=2157,
        speaker_id=dict(SPEAKERS),
        audio_token_id=151675,
        audio_start_token_id=151669,
        audio_end_token_id=151670,
        image_token_id=151655,
        video_token_id=151656,
        vision_start_token_id=151652,
        position_id_per_seconds=13,
        seconds_per_chunk=2,
        spatial_merge_size=2,
        output_router_logits=False,
        tie_word_embeddings=False,
        initializer_range=0.02,
    )
    code2wav = dict(
        codebook_size=2048,
        num_quantizers=16,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        intermediate_size=32,
        hidden_act="silu",
        sliding_window=72,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        rms_norm_eps=1e-5,
        layer_scale_initial_scale=0.01,
        max_position_embeddings=8000,
        upsampling_ratios=[2, 2],
        upsample_rates=[8, 5, 4, 3],
        decoder_dim=32,
        attention_bias=False,
        attention_dropout=0.0,
        # present in the real config, unused by transformers
        codebook_dim=512,
        vector_quantization_hidden_dimension=512,
        num_semantic_quantizers=1,
        semantic_codebook_size=4096,
        initializer_range=0.02,
    )
    return dict(
        thinker_config=thinker,
        talker_config=talker,
        code2wav_config=code2wav,
        enable_audio_output=True,
        im_start_token_id=151644,
        im_end_token_id=151645,
        tts_pad_token_id=151671,
        tts_bos_token_id=151672,
        tts_eos_token_id=151673,
        system_token_id=8948,
        user_token_id=872,
        assistant_token_id=77091,
        initializer_range=0.02,
    )
