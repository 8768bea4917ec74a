import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testTempDir } from '../../../test/tempDir';
import { ExternalDataWriter } from '../builder/onnx/externalData';
import { DataType, GraphBuilder } from '../builder/onnx/graph';

const ortModule = fileURLToPath(new URL('./ort.ts', import.meta.url));

/** An Identity graph: enough for onnxruntime to create its environment and a session. */
async function identityModel(dir: string): Promise<string> {
  const data = await ExternalDataWriter.create(path.join(dir, 'identity.onnx.data'));
  const g = new GraphBuilder('identity', data);
  g.node('Identity', [g.input('x', DataType.FLOAT, [1])], {}, { outputs: [g.output('y', DataType.FLOAT, [1])] });
  await data.close();
  const model = path.join(dir, 'identity.onnx');
  writeFileSync(model, g.toModel({ producerVersion: 'test' }));
  return model;
}

/** The 1DS client's files: its debug log and `.ses`, a timestamp and a GUID identifying this install across runs. */
const isTelemetryFile = (name: string) => name === '.ses' || /^mat-debug-\d+\.log$/.test(name);

/** Opens one session in a fresh process importing `specifier`, with its own temp folder; returns what it left there. */
async function tempFilesOfASession(specifier: string, model: string): Promise<string[]> {
  const tmp = testTempDir('ort-tmp');
  const script = `const ort = await import(${JSON.stringify(specifier)}); await (await ort.InferenceSession.create(${JSON.stringify(model)})).release();`;
  await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: tmp, ORT_DISABLE_TELEMETRY: '' } });
  return readdirSync(tmp);
}

describe('onnxruntime through ort.ts', () => {
  it("keeps the runtime's telemetry client from starting, which onnxruntime-node on its own starts with the first session", async () => {
    const model = await identityModel(testTempDir('ort-model'));
    expect((await tempFilesOfASession('onnxruntime-node', model)).filter(isTelemetryFile)).toEqual(expect.arrayContaining(['.ses', expect.stringMatching(/^mat-debug-\d+\.log$/)]));
    expect((await tempFilesOfASession(ortModule, model)).filter(isTelemetryFile)).toEqual([]);
  });
});
