import { describe, expect, it } from 'vitest';
import { expansionCases } from '../__fixtures__/expansionAndRope';
import { expandPlaceholders } from './expand';
import type { MediaTokens } from './tokenizer';

const tokens: MediaTokens = {
  audio: '<|audio_pad|>',
  audioBos: '<|audio_start|>',
  audioEos: '<|audio_end|>',
  image: '<|image_pad|>',
  video: '<|video_pad|>',
  visionBos: '<|vision_start|>',
  visionEos: '<|vision_end|>',
};
const none = { audioTokenCounts: [], imageGridThw: [], videoGridThw: [], videoSecondPerGrid: [], useAudioInVideo: false, mergeSize: 2 };

describe.each(expansionCases.map((c) => [c.name, c] as const))('placeholder expansion vs transformers: %s', (_name, c) => {
  it('expands the rendered prompt to the same string', () => {
    expect(expandPlaceholders(c.prompt, tokens, { ...c, mergeSize: 2 })).toBe(c.expanded);
  });
});

describe('placeholder expansion', () => {
  it('gives an image grid_t·gh·gw/4 pads and an audio its token count', () => {
    const text = '<|vision_start|><|image_pad|><|vision_end|><|audio_start|><|audio_pad|><|audio_end|>';
    expect(expandPlaceholders(text, tokens, { ...none, imageGridThw: [[1, 4, 6]], audioTokenCounts: [3] })).toBe(
      `<|vision_start|>${'<|image_pad|>'.repeat(6)}<|vision_end|><|audio_start|>${'<|audio_pad|>'.repeat(3)}<|audio_end|>`,
    );
  });

  it('interleaves a video with its audio per second at 1 s per grid: the group, then 13 audio tokens', () => {
    const text = '<|vision_start|><|video_pad|><|vision_end|>';
    const expanded = expandPlaceholders(text, tokens, {
      ...none,
      videoGridThw: [[2, 2, 4]],
      videoSecondPerGrid: [1],
      audioTokenCounts: [15],
      useAudioInVideo: true,
    });
    const v = '<|video_pad|>';
    const a = '<|audio_pad|>';
    expect(expanded).toBe(`<|vision_start|><|audio_start|>${v.repeat(2)}${a.repeat(13)}${v.repeat(2)}${a.repeat(2)}<|audio_end|><|vision_end|>`);
  });

  it('refuses a prompt whose placeholders and media disagree, in either direction', () => {
    const image = '<|vision_start|><|image_pad|><|vision_end|>';
    expect(() => expandPlaceholders(image + image, tokens, { ...none, imageGridThw: [[1, 2, 2]] })).toThrow(
      'the prompt has more image placeholders than image inputs (1)',
    );
    expect(() => expandPlaceholders('no media', tokens, { ...none, audioTokenCounts: [13] })).toThrow(
      'the prompt has placeholders for 0 audio, 0 image and 0 video inputs, but 1, 0 and 0 were given',
    );
  });

  it('needs the vision start and end around a video whose audio is interleaved', () => {
    expect(() =>
      expandPlaceholders('<|video_pad|>', tokens, { ...none, videoGridThw: [[2, 2, 2]], videoSecondPerGrid: [1], audioTokenCounts: [4], useAudioInVideo: true }),
    ).toThrow('audio in video needs "<|vision_start|><|video_pad|><|vision_end|>" in the prompt around each video');
  });
});
