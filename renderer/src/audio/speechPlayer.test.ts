import { deliver, postedBy } from './testing/workletShim';
import { describe, expect, it, vi } from 'vitest';
import type { PlaybackEvent } from './messages';
import { PlaybackProcessor } from './playbackProcessor';
import { SpeechPlayer, type PlayerEvent, type PlayerPort } from './speechPlayer';

const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => (i + 1) / 65536);
const NO_TROUBLE = { underruns: 0, padSamples: 240, refusedSamples: 0 };

/** The player wired to a real playback processor, the audio thread played by `render`. */
function setup() {
  const processor = new PlaybackProcessor();
  let answered = 0;
  const port: PlayerPort = { onmessage: null, postMessage: (command) => deliver(processor, structuredClone(command)) };
  const routed: string[] = [];
  const power: string[] = [];
  const player = new SpeechPlayer({
    port,
    wake: () => power.at(-1) !== 'wake' && power.push('wake'),
    idle: () => power.push('idle'),
    decode: async (file) => new Float32Array(file.buffer),
    route: async (deviceId) => void routed.push(deviceId),
  });
  const events: PlayerEvent[] = [];
  player.onEvent((event) => events.push(event));
  const render = (quanta: number) => {
    for (let q = 0; q < quanta; q++) {
      processor.process([], [[new Float32Array(128)]]);
      const posted = postedBy(processor);
      while (answered < posted.length) port.onmessage?.({ data: posted[answered++].message as PlaybackEvent } as MessageEvent<PlaybackEvent>);
    }
  };
  return { player, events, render, routed, power };
}

describe('speech player', () => {
  it('plays a streamed reply, then replays all of it from the start', () => {
    const { player, events, render } = setup();
    player.chunk('t1', ramp(2000));
    player.chunk('t1', ramp(2000));
    player.end('t1');
    expect(player.playing).toEqual({ turnId: 't1', replay: false });
    render(40);
    expect(player.playing).toBeUndefined();
    expect(player.replay('t1')).toBe(true);
    render(40);
    expect(events).toEqual([
      { type: 'started', turnId: 't1', replay: false },
      { type: 'finished', turnId: 't1', replay: false, samplesPlayed: 4000, interrupted: false, stats: NO_TROUBLE, recordedSamples: 4000 },
      { type: 'started', turnId: 't1', replay: true },
      { type: 'finished', turnId: 't1', replay: true, samplesPlayed: 4000, interrupted: false, stats: NO_TROUBLE, recordedSamples: 4000 },
    ]);
    expect(player.replay('never-spoken')).toBe(false);
  });

  it('replays a reply saved before a reload from its stored audio, and keeps it for the next replay', () => {
    const { player, events, render } = setup();
    expect(player.replay('old', ramp(300))).toBe(true);
    render(3);
    expect(events.at(-1)).toMatchObject({ type: 'finished', turnId: 'old', replay: true, samplesPlayed: 300, recordedSamples: 300 });
    expect(player.recording('old')).toEqual(ramp(300));
    expect(player.replay('old')).toBe(true);
  });

  it('barge-in: answers with the samples heard, ignores chunks still arriving, keeps only the heard part', async () => {
    const { player, events, render } = setup();
    player.chunk('t1', ramp(4800));
    render(12);
    const report = player.interrupt();
    render(1);
    await expect(report).resolves.toEqual({ turnId: 't1', replay: false, samplesPlayed: 10 * 128 + 120 });
    player.chunk('t1', ramp(1920));
    player.end('t1');
    render(30);
    expect(events.map((e) => e.type)).toEqual(['started', 'finished']);
    expect(events[1]).toMatchObject({ interrupted: true, recordedSamples: 1400 });
    expect(player.recordings.samples('t1')).toBe(1400);
  });

  it('routes to a chosen output device once, and back to the default', async () => {
    const { player, routed } = setup();
    await player.setOutput('usb-headset');
    await player.setOutput('usb-headset');
    await player.setOutput(null);
    expect(routed).toEqual(['usb-headset', '']);
  });

  it('falls back to the default output when the chosen device cannot be used', async () => {
    const routed: string[] = [];
    const player = new SpeechPlayer({
      port: { onmessage: null, postMessage: () => undefined },
      wake: () => undefined,
      idle: () => undefined,
      decode: async () => new Float32Array(),
      route: async (deviceId) => {
        routed.push(deviceId);
        if (deviceId) throw new DOMException('Requested device not found', 'NotFoundError');
      },
    });
    await expect(player.setOutput('gone')).rejects.toThrow('Requested device not found');
    expect(routed).toEqual(['gone', '']);
    await player.setOutput(null);
    expect(routed).toEqual(['gone', '']);
  });

  it('has nothing to interrupt when nothing plays', async () => {
    const { player } = setup();
    await expect(player.interrupt()).resolves.toBeUndefined();
  });

  it('wakes the audio context for speech and lets it sleep once the last track is over', () => {
    const { player, render, power } = setup();
    player.chunk('t1', ramp(2000));
    player.end('t1');
    render(20);
    expect(power).toEqual(['wake', 'idle']);
    player.replay('t1');
    player.chunk('t2', ramp(100));
    player.end('t2');
    render(20);
    // The replay cut short by t2 is not the last track: only t2's end lets the context sleep.
    expect(power).toEqual(['wake', 'idle', 'wake', 'idle']);
  });

  it('lets a new reply cut a replay short without shortening the replayed recording', () => {
    const { player, events, render } = setup();
    player.chunk('t1', ramp(3000));
    player.end('t1');
    render(30);
    player.replay('t1');
    render(5);
    player.chunk('t2', ramp(1920));
    render(1);
    expect(events.slice(2)).toEqual([
      { type: 'started', turnId: 't1', replay: true },
      { type: 'finished', turnId: 't1', replay: true, samplesPlayed: 640, interrupted: true, stats: NO_TROUBLE, recordedSamples: 3000 },
    ]);
    expect(player.playing).toEqual({ turnId: 't2', replay: false });
  });

  it('gives up waiting for the fade after 500 ms when the device stops rendering, heard count unknown', async () => {
    vi.useFakeTimers();
    try {
      const { player, render } = setup();
      player.chunk('t1', ramp(4800));
      render(5);
      const report = player.interrupt();
      vi.advanceTimersByTime(500);
      await expect(report).resolves.toEqual({ turnId: 't1', replay: false });
    } finally {
      vi.useRealTimers();
    }
  });
});
