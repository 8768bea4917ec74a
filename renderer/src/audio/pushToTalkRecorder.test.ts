import { describe, expect, it } from 'vitest';
import type { StreamUp } from '../../../main/ipc/contract';
import { MAX_UTTERANCE_SAMPLES, MIN_HELD_SAMPLES, PRE_ROLL_SAMPLES, PushToTalkRecorder } from './pushToTalkRecorder';

/** A frame whose first sample is its number, so the order of what went up can be read back. */
const frame = (n: number, length = 1280) => {
  const pcm = new Float32Array(length);
  pcm[0] = n;
  return pcm;
};

/** Sends as a MessagePort does: the transferred buffers are detached from the sender. */
function setup() {
  const sent: Array<{ message: StreamUp; transfer: Transferable[] }> = [];
  const recorder = new PushToTalkRecorder((message, transfer = []) => sent.push({ message: structuredClone(message, { transfer }), transfer }));
  const chunks = () =>
    sent.flatMap(({ message }) => (message.type === 'mic.chunk' ? [[message.seq, new Float32Array(message.pcm)[0], message.pcm.byteLength / 4]] : []));
  return { recorder, sent, chunks };
}

describe('push-to-talk recorder', () => {
  it('keeps 400 ms of pre-roll, 16 kHz mono in 80 ms frames, with a quarter second minimum hold and a two minute maximum', () => {
    expect([PRE_ROLL_SAMPLES, MIN_HELD_SAMPLES, MAX_UTTERANCE_SAMPLES]).toEqual([6400, 4000, 1_920_000]);
  });

  it('sends nothing while idle, then opens the utterance with the last five frames heard before the key went down', () => {
    const { recorder, sent, chunks } = setup();
    for (let n = 1; n <= 8; n++) recorder.frame(frame(n));
    expect(sent).toEqual([]);
    recorder.start('turn-1');
    recorder.frame(frame(9));
    expect(chunks()).toEqual([[0, 4, 1280], [1, 5, 1280], [2, 6, 1280], [3, 7, 1280], [4, 8, 1280], [5, 9, 1280]]);
    expect(sent.every(({ message }) => message.type === 'mic.chunk' && message.turnId === 'turn-1' && message.sampleRate === 16000 && message.format === 'f32')).toBe(true);
  });

  it('sends each chunk as its own transferred buffer and keeps the frame for the recording', () => {
    const { recorder, sent } = setup();
    recorder.start('turn-1');
    const pcm = frame(1);
    recorder.frame(pcm);
    const [{ message, transfer }] = sent;
    expect(transfer).toHaveLength(1);
    expect([(transfer[0] as ArrayBuffer).byteLength, message.type === 'mic.chunk' && message.pcm.byteLength]).toEqual([0, 1280 * 4]);
    expect(recorder.finish()?.pcm).toEqual(pcm);
  });

  it('ends with mic.end carrying the next sequence number, and counts held audio apart from pre-roll', () => {
    const { recorder, sent } = setup();
    recorder.frame(frame(1));
    recorder.frame(frame(2));
    recorder.start('turn-1');
    recorder.frame(frame(3));
    recorder.frame(frame(4, 300));
    recorder.frame(new Float32Array(0));
    const utterance = recorder.finish();
    expect(utterance).toMatchObject({ turnId: 'turn-1', samples: 1280 * 3 + 300, heldSamples: 1280 + 300 });
    expect([...(utterance?.pcm ?? [])].filter((s) => s !== 0)).toEqual([1, 2, 3, 4]);
    expect(sent.at(-1)?.message).toEqual({ type: 'mic.end', turnId: 'turn-1', seq: 4 });
    expect(recorder.recording).toBe(false);
    expect(recorder.finish()).toBeUndefined();
  });

  it('starts the next pre-roll afresh after an utterance', () => {
    const { recorder, chunks } = setup();
    recorder.start('turn-1');
    recorder.frame(frame(1));
    recorder.finish();
    recorder.frame(frame(2));
    recorder.start('turn-2');
    expect(chunks().at(-1)).toEqual([0, 2, 1280]);
  });

  it('cancels with mic.cancel so the engine frees the audio', () => {
    const { recorder, sent } = setup();
    recorder.start('turn-1');
    recorder.frame(frame(1));
    recorder.cancel();
    expect(sent.at(-1)?.message).toEqual({ type: 'mic.cancel', turnId: 'turn-1' });
    expect(recorder.recording).toBe(false);
  });

  it('stops at exactly two minutes, cutting the frame that crosses it, and says so once', () => {
    const { recorder, chunks } = setup();
    recorder.start('turn-1');
    const full = [recorder.frame(frame(0, 700))];
    for (let n = 1; n <= 1501; n++) full.push(recorder.frame(frame(n)));
    expect(full.indexOf(true)).toBe(1500);
    expect(full.filter(Boolean)).toHaveLength(1);
    expect(chunks()).toHaveLength(1501);
    expect(chunks().at(-1)).toEqual([1500, 1500, 580]);
    expect(recorder.finish()?.pcm.length).toBe(1_920_000);
  });
});
