/**
 * The main-process side as the app ships it. Every other test runs the engine and the builder from their TypeScript
 * sources; here out/main/engine.js (the entry electron-vite builds) answers a turn, so its shared chunks and
 * onnxruntime-node from node_modules are shown to load, the builder's quantisation workers run on
 * out/main/quantizeWorker.js, and every built script is shown to compile as Node loads it (a module-level `require`
 * of ours once clashed with the one electron-vite declares atop each chunk: the app's engine could not start).
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { testTempDir } from '../test/tempDir';
import { until } from '../test/until';
import { quantizeRows, type RowMatrix } from '../main/engine/builder/quantize';
import { QuantisePool } from '../main/engine/builder/quantizePool';
import { storedF32 } from '../main/engine/builder/safetensors';
import { seeded } from '../main/engine/builder/testing/writeSafetensors';
import { forkLauncher } from '../main/engine/host/forkLauncher';
import { EngineSupervisor } from '../main/engine/host/supervisor';
import type { TurnEvent } from '../main/engine/protocol';
import { localTurn } from '../main/engine/testing/localTurn';
import { buildTinyBundle } from '../main/engine/testing/tinyBundle';
import { loadGoldenCase } from '../main/engine/testing/fixtures';

const BUILT_MAIN = fileURLToPath(new URL('../out/main', import.meta.url));
const BUILT_ENGINE = path.join(BUILT_MAIN, 'engine.js');

let supervisor: EngineSupervisor | undefined;
afterAll(() => supervisor?.stop());

describe('the built main-process scripts (out/main)', () => {
  it('all compile as Node loads them', async () => {
    const scripts = readdirSync(BUILT_MAIN, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.js'));
    expect(scripts).toEqual(expect.arrayContaining(['engine.js', 'builder.js', 'quantizeWorker.js', 'index.js']));
    const failures = await Promise.all(
      scripts.map((name) =>
        promisify(execFile)(process.execPath, ['--check', path.join(BUILT_MAIN, name)]).then(
          () => undefined,
          (error: { stderr?: string }) => `${name}: ${error.stderr?.split('\n').find((line) => line.includes('Error')) ?? String(error)}`,
        ),
      ),
    );
    expect(failures.filter(Boolean)).toEqual([]);
  });

  it("engine.js answers a local turn with transformers' text", async () => {
    const home = testTempDir('built-engine');
    const bundleDir = await buildTinyBundle(path.join(home, 'bundles'));
    supervisor = new EngineSupervisor({ launch: forkLauncher({ entry: BUILT_ENGINE, env: { OMNIDESK_HOME: home } }) });
    const events: TurnEvent[] = [];
    supervisor.onTurn((event) => events.push(event));
    supervisor.start();
    const golden = loadGoldenCase('text');
    await supervisor.request('chat.send', localTurn(bundleDir, { text: 'Tell me a short story about a robot who learns to paint.' }));
    await until(() => events.some((e) => e.type === 'done' || e.type === 'error'), 60_000);
    expect(events.at(-1)).toEqual({ type: 'done', turnId: 't1', text: golden.info.generated_text, interrupted: false, speechSamples: 0 });
  });

  it('quantizeWorker.js quantises as the builder does on its own thread', async () => {
    const matrix: RowMatrix = { tensor: 'layers.0.mlp.down_proj.weight', N: 8, K: 64, blockSize: 32, format: { bits: 4, symmetric: false } };
    const rows = seeded(matrix.N * matrix.K, 11);
    const pool = await QuantisePool.start(2, { entry: path.join(BUILT_MAIN, 'quantizeWorker.js') });
    try {
      expect(await pool.quantise({ ...matrix, rows: storedF32(rows.slice()) })).toEqual(quantizeRows({ ...matrix, rows: storedF32(rows) }));
    } finally {
      await pool.close();
    }
  });
});
