import { describe, expect, it } from 'vitest';
import { bundledCatalog, defaultEntry } from '../catalog/catalog';
import { fitAll, fitVariant } from './estimate';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { testTempDir } from '../../../test/tempDir';
import { cudaUnusable, queryVram, type Machine } from './machine';

const GB = 1e9;
const instruct = defaultEntry(bundledCatalog());
const machine = (m: Partial<Machine>): Machine => ({ totalRamBytes: 64 * GB, freeRamBytes: 48 * GB, freeDiskBytes: 500 * GB, ...m });

describe('fit estimate', () => {
  it('says "runs here" when a GPU holds the int4 weights and KV cache', () => {
    expect(fitVariant(instruct, 'int4', machine({ vramBytes: 24 * 1024 ** 3 }))).toMatchObject({ verdict: 'runs here', reasons: [expect.stringMatching(/fits the 25\.8 GB GPU/)] });
  });

  it('says "runs slowly on CPU" without a usable GPU but with enough RAM, and warns when RAM is busy', () => {
    const fit = fitVariant(instruct, 'int4', machine({ vramBytes: 8 * 1024 ** 3, freeRamBytes: 20 * GB }));
    expect(fit.verdict).toBe('runs slowly on CPU');
    expect(fit.reasons).toEqual([expect.stringMatching(/GPU has 8\.6 GB, needs 22\.5 GB/), expect.stringMatching(/only 20\.0 GB of RAM is free now/)]);
    expect(fitVariant(instruct, 'int4', machine({})).reasons[0]).toMatch(/no GPU memory detected/);
  });

  it('counts a GPU only where onnxruntime has its CUDA provider: npm installs onnxruntime-node without it', () => {
    const dir = testTempDir('binding');
    const missing = cudaUnusable(dir, existsSync, 'linux');
    expect(missing).toBe(`provider library libonnxruntime_providers_shared.so, libonnxruntime_providers_cuda.so not installed in ${dir} (run "npm run ort:cuda" with internet access)`);
    const fit = fitVariant(instruct, 'int4', machine({ vramBytes: 80 * 1024 ** 3, gpuUnusable: missing }));
    expect(fit.verdict).toBe('runs slowly on CPU');
    expect(fit.reasons[0]).toBe(`the 85.9 GB GPU cannot be used: ${missing}`);
    for (const lib of ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']) writeFileSync(path.join(dir, lib), '');
    expect(cudaUnusable(dir, existsSync, 'linux')).toBeUndefined();
  });

  it('says "does not fit" for missing disk or RAM, naming what is missing, before anything is downloaded', () => {
    expect(fitVariant(instruct, 'int4', machine({ freeDiskBytes: 50 * GB })).reasons).toEqual([expect.stringMatching(/needs 94\.2 GB of disk to download and build, 50\.0 GB free/)]);
    expect(fitAll(instruct, machine({ totalRamBytes: 16 * GB })).map((f) => f.verdict)).toEqual(['does not fit', 'does not fit']);
    // int4 on the CPU holds its MoE experts at three times their file size (onnxruntime 1.30's QMoE prepacking).
    expect(fitVariant(instruct, 'int4', machine({ totalRamBytes: 32 * GB })).reasons).toContainEqual(expect.stringMatching(/needs 62\.9 GB of RAM on the CPU, this machine has 32\.0 GB/));
    expect(fitVariant(instruct, 'fp32', machine({ vramBytes: 80 * 1024 ** 3 })).verdict).toBe('does not fit');
  });

  it('reads the largest GPU from nvidia-smi output, and treats silence, errors and a hang as unknown', async () => {
    const node = (code: string, timeoutMs = 2_000) => ({ command: process.execPath, args: ['-e', code], timeoutMs });
    expect(await queryVram(node('console.log("24576\\n81920")'))).toBe(81920 * 1024 * 1024);
    expect(await queryVram(node('process.exit(9)'))).toBeUndefined();
    expect(await queryVram(node('console.log("[N/A]")'))).toBeUndefined();
    expect(await queryVram({ command: 'omnidesk-no-such-tool', args: [], timeoutMs: 1_000 })).toBeUndefined();
    const started = Date.now();
    expect(await queryVram(node('setTimeout(() => console.log("1"), 5000)', 200))).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
