import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../../serve/server';
import { Assistant } from '../omni/assistant';
import { OmniRuntime } from '../omni/omniRuntime';
import type { TurnEvent } from '../protocol';
import { loadGoldenCase } from '../testing/fixtures';
import { assertClose } from '../testing/parity';
import { buildTinyBundle, CPU_ONLY } from '../testing/tinyBundle';
import { RemoteAssistant } from './remoteAssistant';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-remote-serve-'));
const TOKEN = 'round-trip-token-0123456789';
let bundleDir: string;
let server: RunningServer;
beforeAll(async () => {
  bundleDir = await buildTinyBundle(scratch);
  server = await startServer({ bundleDir, token: TOKEN, stateDir: path.join(scratch, 'state'), scratchDir: scratch });
}, 120_000);
afterAll(async () => {
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

type Runner = Pick<Assistant, 'start'> | Pick<RemoteAssistant, 'start'>;
interface Spoken {
  events: TurnEvent[];
  speech: Float32Array;
}

/** Runs one turn on whichever assistant `make` builds, collecting its events and its speech. */
async function spokenTurn(make: (sinks: { emit: (e: TurnEvent) => void; onBusy: () => void; onSpeech: (c: { samples: Float32Array | number }) => void }) => Runner, request: object): Promise<Spoken> {
  const events: TurnEvent[] = [];
  const pieces: Float32Array[] = [];
  let finish = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const runner = make({
    emit: (event) => {
      events.push(event);
      if (event.type === 'done' || event.type === 'error') finish();
    },
    onBusy: () => {},
    onSpeech: (chunk) => {
      if (typeof chunk.samples !== 'number') pieces.push(chunk.samples.slice());
    },
  });
  await runner.start(request as never);
  await finished;
  return { events, speech: Float32Array.from(pieces.flatMap((p) => [...p])) };
}

describe('the remote backend against omnidesk serve on the tiny bundle', () => {
  it('runs a full greedy spoken turn whose text is the local engine’s and whose speech matches it to 16-bit precision', async () => {
    const question = (loadGoldenCase('text').info.messages[0].content[0] as { text: string }).text;
    const turn = { conversationId: 'c1', turnId: 't1', text: question, attachments: [], micAudio: false, speak: true, speaker: 'ethan', sampling: { doSample: false, maxNewTokens: 8 }, maxSpeechFrames: 12 };

    const local = await spokenTurn(
      (sinks) => new Assistant({ stateDir: scratch, scratchDir: scratch, ...sinks, open: (dir) => OmniRuntime.open(dir, { stateDir: scratch, providers: CPU_ONLY }) }),
      { ...turn, bundleDir },
    );
    const remote = await spokenTurn((sinks) => new RemoteAssistant({ scratchDir: scratch, ...sinks }), {
      ...turn,
      remote: { baseUrl: server.url, apiKey: TOKEN, model: server.model },
    });

    const localDone = local.events.at(-1);
    expect(localDone).toMatchObject({ type: 'done', interrupted: false });
    expect(remote.events[0]).toEqual({ type: 'started', turnId: 't1' });
    expect(remote.events.at(-1)).toEqual({ ...localDone, speechSamples: remote.speech.length });
    const deltas = (events: TurnEvent[]) => events.flatMap((e) => (e.type === 'text-delta' ? [e.text] : [])).join('');
    expect(deltas(remote.events)).toBe(deltas(local.events));
    expect(remote.speech.length).toBe(local.speech.length);
    // pcm16 costs half a step of rounding plus the writer's ×32767 against the reader's ÷32768: under two steps.
    assertClose('remote speech', local.speech, remote.speech, { atol: 2 / 32768, minCorrelation: 0.9999 });
  }, 180_000);
});
