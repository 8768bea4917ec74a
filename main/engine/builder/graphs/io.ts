/** Graph I/O naming shared by every graph, the manifest and the runtime (ORT-GenAI's, onnx-bundle.md §4.2). */
export const BATCH = 'batch_size';
export const SEQUENCE = 'sequence_length';
export const PAST_SEQUENCE = 'past_sequence_length';
export const TOTAL_SEQUENCE = 'total_sequence_length';

/** printf-style, as the manifest records them: `%d` = layer, `%s` = key | value. */
export const PAST_PATTERN = 'past_key_values.%d.%s';
export const PRESENT_PATTERN = 'present.%d.%s';

export const kvName = (pattern: string, layer: number, which: 'key' | 'value') => pattern.replace('%d', String(layer)).replace('%s', which);
export const pastName = (layer: number, which: 'key' | 'value') => kvName(PAST_PATTERN, layer, which);
export const presentName = (layer: number, which: 'key' | 'value') => kvName(PRESENT_PATTERN, layer, which);

/** Audio encoder (audioEncoder.ts): mel chunks, attention windows, and the valid tokens that leave the graph. */
export const AUDIO_CHUNKS = 'num_chunks';
export const AUDIO_CHUNK_FRAMES = 'chunk_frames';
export const AUDIO_WINDOWS = 'num_windows';
export const AUDIO_WINDOW_TOKENS = 'window_tokens';
export const AUDIO_TOKENS = 'audio_tokens';

/** Vision encoder (visionEncoder.ts): temporal patch groups of one image or video, patches per group, merged tokens. */
export const VISION_GROUPS = 'grid_t';
export const VISION_PATCHES = 'grid_patches';
export const VISION_TOKENS = 'visual_tokens';

/** Talker side: talker_proj rows (text and hidden independently), codec_embed groups, Code2Wav frames and samples. */
export const TEXT_ROWS = 'text_rows';
export const HIDDEN_ROWS = 'hidden_rows';
export const CODE_GROUPS = 'code_groups';
export const CODEC_FRAMES = 'codec_frames';
export const WAVEFORM_SAMPLES = 'waveform_samples';
