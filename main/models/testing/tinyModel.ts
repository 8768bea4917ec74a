/**
 * The real tiny Qwen3-Omni checkpoint (models/fixtures/tiny-qwen3-omni) as a fake Hub repository and as a catalog
 * entry, so the model manager can run a real download and a real build in seconds (manager tests, models e2e).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCatalog } from '../catalog/catalog';
import { bf16Bytes, deriveNeeds } from '../catalog/derive';
import type { Catalog, CatalogEntry } from '../catalog/schema';
import { sha256Hex, type FakeRepo } from './fakeRepo';

export const TINY_CHECKPOINT = fileURLToPath(new URL('../../../models/fixtures/tiny-qwen3-omni', import.meta.url));
export const TINY_ID = 'Omnidesk/Tiny-Qwen3-Omni';

export function tinyRepo(id = TINY_ID): FakeRepo {
  const files = readdirSync(TINY_CHECKPOINT)
    .sort()
    .map((name) => {
      const content = readFileSync(path.join(TINY_CHECKPOINT, name));
      return { path: name, content, lfs: name.endsWith('.safetensors') };
    });
  const commit = createHash('sha1').update(files.map((f) => `${f.path}:${sha256Hex(f.content)}`).join(',')).digest('hex');
  return { id, commit, branches: ['main'], files };
}

const component = (params: number) => ({ params, bf16Bytes: bf16Bytes(params) });

/** A one-entry catalog (plus the bundled default's shape): sizes from the same formulas as the real catalog. */
export function tinyCatalog(id = TINY_ID): Catalog {
  // Split so the bf16 total (12.74 MB) matches the fixture's download, as a real entry's does.
  const components = {
    thinker: component(4_000_000),
    talker: component(1_400_000),
    codePredictor: component(300_000),
    code2wav: component(300_000),
    audioEncoder: component(200_000),
    visionEncoder: component(170_000),
  };
  const base = {
    components,
    decoders: { thinker: { layers: 2, kvHeads: 2, headDim: 8 }, talker: { layers: 2, kvHeads: 2, headDim: 8 } },
    downloadBytes: Object.values(components).reduce((sum, c) => sum + c.bf16Bytes, 0),
  };
  const contextTokens = 512;
  const entry: CatalogEntry = {
    id,
    displayName: 'Tiny Qwen3-Omni (test fixture)',
    default: true,
    speech: true,
    license: 'Apache-2.0',
    revision: 'main',
    revisionNote: 'The test fixture, served by the fake Hub.',
    ...base,
    testedExecutionProviders: ['cpu'],
    variants: { fp32: deriveNeeds(base, 'fp32', contextTokens), int4: deriveNeeds(base, 'int4', contextTokens) },
  };
  return parseCatalog({ formatVersion: 1, estimateContextTokens: contextTokens, notes: [], models: [entry] }, 'tinyCatalog');
}
