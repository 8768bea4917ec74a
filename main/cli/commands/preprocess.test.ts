import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readNpySync } from '../../engine/runtime/npy';
import { goldenCaseNames, loadGoldenCase, mediaPath, TINY_CHECKPOINT_DIR, type GoldenCase } from '../../engine/testing/fixtures';
import { assertClose, assertExact } from '../../engine/testing/parity';
import { main } from '../index';
import { testTempDir } from '../../../test/tempDir';

const bin = fileURLToPath(new URL('../bin.mjs', import.meta.url));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const tempDir = () => testTempDir('preprocess');

/** The golden case's single user turn (+ system prompt) as command-line inputs, in conversation order. */
function caseArgs(golden: GoldenCase): string[] {
  const args = golden.info.messages.flatMap(({ role, content }) =>
    (typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content).flatMap((item) =>
      item.type === 'text' ? [role === 'system' ? '--system' : '--text', item.text ?? ''] : [`--${item.type}`, mediaPath(item[item.type] ?? '')],
    ),
  );
  const [video] = golden.info.videos;
  // The oracle passes the image bounds for its tiny clip instead of the processor's video default.
  const bounds = video ? ['--video-min-pixels', `${video.size.shortest_edge}`, '--video-max-pixels', `${video.size.longest_edge}`] : [];
  return [...args, ...bounds, ...(golden.info.use_audio_in_video ? ['--use-audio-in-video'] : [])];
}

/** Every dump file equals the golden array: ids, positions and grids exactly, features and pixels within the bounds. */
function expectDumpMatches(golden: GoldenCase, dump: string): void {
  const dumped = (name: string) => readNpySync(path.join(dump, `${name}.npy`));
  for (const name of ['input_ids', 'position_ids', 'rope_delta', 'feature_attention_mask', 'image_grid_thw', 'video_grid_thw', 'video_second_per_grid']) {
    if (golden.has(name)) assertExact(`${golden.name} ${name}`, golden.array(name), dumped(name));
    else expect(existsSync(path.join(dump, `${name}.npy`)), `${name}.npy`).toBe(false);
  }
  const resampled = golden.info.audio.some((a) => a.waveform_file !== null);
  const floats = {
    input_features: resampled ? { atol: Infinity, maxMeanAbs: 0.01 } : { atol: 1e-3 },
    pixel_values: { atol: 0.05, maxMeanAbs: 0.005 },
    pixel_values_videos: { atol: 1e-5 },
  };
  for (const [name, tolerance] of Object.entries(floats)) {
    if (golden.has(name)) assertClose(`${golden.name} ${name}`, golden.array(name), dumped(name), tolerance);
    else expect(existsSync(path.join(dump, `${name}.npy`)), `${name}.npy`).toBe(false);
  }
}

const singleTurnCases = goldenCaseNames().filter((name) => {
  const { messages } = loadGoldenCase(name).info;
  return messages.filter((m) => m.role === 'user').length === 1 && messages.every((m) => m.role !== 'assistant');
});

describe('omnidesk preprocess', () => {
  it.each(singleTurnCases)('writes the dump files of golden case %s', async (name) => {
    const golden = loadGoldenCase(name);
    const dump = tempDir();
    const { code, err } = await run('preprocess', TINY_CHECKPOINT_DIR, ...caseArgs(golden), '--dump', dump);
    expect({ code, err }).toMatchObject({ code: 0 });
    expectDumpMatches(golden, dump);
  });

  it('runs through the real bin: images and audios interleaved in the order given, a summary on stdout, progress on stderr', () => {
    const golden = loadGoldenCase('images_audio');
    const dump = tempDir();
    const result = spawnSync(process.execPath, [bin, 'preprocess', TINY_CHECKPOINT_DIR, ...caseArgs(golden), '--dump', dump], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        '123 tokens: 30 text, 58 audio, 35 image, 0 video',
        '  audio 1: 26 tokens',
        '  audio 2: 32 tokens',
        '  image 1: grid 1×4×6, 6 tokens',
        '  image 2: grid 1×4×6, 6 tokens',
        '  image 3: grid 1×4×4, 4 tokens',
        '  image 4: grid 1×4×6, 6 tokens',
        '  image 5: grid 1×2×26, 13 tokens',
        'rope delta -11',
        `wrote 7 files to ${dump}`,
        '',
      ].join('\n'),
    );
    expect(result.stderr).toMatch(/^Loading .*\nProcessing 7 media files\nDone in \d+\.\d s\n$/);
    expectDumpMatches(golden, dump);
  });

  it('puts media before text, keeping the order within each, and removes dump files of absent modalities', async () => {
    const dump = tempDir();
    writeFileSync(path.join(dump, 'pixel_values_videos.npy'), 'stale');
    const [wide, square, speech] = ['image_wide_400x8.png', 'image_gray_50x50.png', 'speech_16k_mono.wav'].map(mediaPath);
    const { code } = await run('preprocess', TINY_CHECKPOINT_DIR, '--text', 'Compare', '--image', wide, '--audio', speech, '--image', square, '--text', ' them.', '--dump', dump);
    expect(code).toBe(0);
    const ids = Array.from(readNpySync(path.join(dump, 'input_ids.npy')).data as BigInt64Array, Number);
    const grids = Array.from(readNpySync(path.join(dump, 'image_grid_thw.npy')).data as BigInt64Array, Number);
    expect(grids).toEqual([1, 2, 26, 1, 4, 4]);
    const starts = ids.flatMap((id) => (id === 151652 ? ['image'] : id === 151669 ? ['audio'] : []));
    expect(starts).toEqual(['image', 'audio', 'image']);
    expect(ids.slice(ids.lastIndexOf(151653) + 1, ids.indexOf(151645))).toEqual([27374, 1105, 13]); // "Compare them."
    expect(existsSync(path.join(dump, 'pixel_values_videos.npy'))).toBe(false);
  });

  it('refuses a missing --dump, a missing directory, a turn without input or a bad pixel bound, with exit 2', async () => {
    expect(await run('preprocess', TINY_CHECKPOINT_DIR, '--text', 'hi')).toMatchObject({ code: 2, err: expect.stringContaining('--dump DIR is required') });
    expect(await run('preprocess', '--text', 'hi', '--dump', tempDir())).toMatchObject({ code: 2, err: expect.stringContaining('give the checkpoint or bundle directory') });
    expect(await run('preprocess', TINY_CHECKPOINT_DIR, '--system', 'Be brief.', '--dump', tempDir())).toMatchObject({
      code: 2,
      err: expect.stringContaining('give at least one of --text, --audio, --image or --video'),
    });
    expect(await run('preprocess', TINY_CHECKPOINT_DIR, '--text', 'hi', '--video-max-pixels', '12.5', '--dump', tempDir())).toMatchObject({
      code: 2,
      err: expect.stringContaining('--video-max-pixels takes a positive whole number of pixels'),
    });
  });

  it('names what a directory lacks', async () => {
    const { code, err } = await run('preprocess', tempDir(), '--text', 'hi', '--dump', tempDir());
    expect(code).toBe(1);
    expect(err).toMatch(/CHECKPOINT_INVALID: .*: not a Qwen3-Omni checkpoint or bundle, missing config.json, preprocessor_config.json/);
  });
});
