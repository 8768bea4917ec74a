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

/**
 * Opens one session in a fresh process importing `specifier`, with its own temp folder and ORT_DISABLE_TELEMETRY
 * unset. Says what the variable was when the runtime's native environment started (`initOrtOnce`, where the 1DS
 * client is created or not), and what the process left in its temp folder.
 */
async function openASession(specifier: string, model: string): Promise<{ atInit: string; tempFiles: string[] }> {
  const tmp = testTempDir('ort-tmp');
  const script = `
    const dlopen = process.dlopen;
    process.dlopen = (module, filename, ...rest) => {
      dlopen.call(process, module, filename, ...rest);
      const init = module.exports.initOrtOnce;
      if (init) module.exports.initOrtOnce = (...args) => { console.log(JSON.stringify({ atInit: process.env.ORT_DISABLE_TELEMETRY ?? '(unset)' })); return init(...args); };
    };
    const ort = await import(${JSON.stringify(specifier)});
    await (await ort.InferenceSession.create(${JSON.stringify(model)})).release();`;
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  delete env.ORT_DISABLE_TELEMETRY;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env });
  return { atInit: (JSON.parse(stdout) as { atInit: string }).atInit, tempFiles: readdirSync(tmp).filter(isTelemetryFile) };
}

describe('onnxruntime through ort.ts', () => {
  it("starts the runtime's environment with its telemetry client off, which onnxruntime-node on its own leaves on", async () => {
    const model = await identityModel(testTempDir('ort-model'));
    expect((await openASession('onnxruntime-node', model)).atInit).toBe('(unset)');
    expect(await openASession(ortModule, model)).toEqual({ atInit: '1', tempFiles: [] });
  });
});
