import { describe, expect, it } from 'vitest';
import { bundledCatalog, defaultEntry, findEntry, parseCatalog } from './catalog';
import { bf16Bytes, deriveNeeds } from './derive';
import { VARIANTS } from './schema';

describe('model catalog', () => {
  const catalog = bundledCatalog();

  it('offers the Instruct model (with speech) by default and the Thinking model as text-only', () => {
    const instruct = defaultEntry(catalog);
    expect(instruct).toMatchObject({ id: 'Qwen/Qwen3-Omni-30B-A3B-Instruct', speech: true, license: 'Apache-2.0' });
    expect(instruct.revision).toMatch(/^[0-9a-f]{40}$/);
    const thinking = findEntry(catalog, 'qwen/qwen3-omni-30b-a3b-thinking');
    expect(thinking).toMatchObject({ speech: false, license: 'Apache-2.0' });
    expect(thinking?.components.talker).toBeUndefined();
  });

  it('states sizes that follow from the documented formulas, so the numbers and formulas cannot drift apart', () => {
    for (const entry of catalog.models) {
      for (const c of Object.values(entry.components)) expect(c?.bf16Bytes).toBe(bf16Bytes(c?.params ?? 0));
      expect(entry.downloadBytes).toBe(Object.values(entry.components).reduce((s, c) => s + (c?.bf16Bytes ?? 0), 0));
      for (const variant of VARIANTS) expect(entry.variants[variant]).toEqual(deriveNeeds(entry, variant, catalog.estimateContextTokens));
    }
  });

  it('puts the Instruct download near the 70 GB a bf16 35 B-parameter checkpoint weighs, and int4 well under fp32', () => {
    const instruct = defaultEntry(catalog);
    expect(instruct.downloadBytes / 1e9).toBeCloseTo(70.4, 0);
    expect(instruct.variants.int4.bundleBytes).toBeLessThan(instruct.variants.fp32.bundleBytes / 5);
  });

  it('rejects a broken catalog with a message naming the field at fault', () => {
    const broken = structuredClone(catalog) as unknown as { models: { variants: { int4: { ramBytes: unknown } } }[] };
    broken.models[1].variants.int4.ramBytes = 'lots';
    expect(() => parseCatalog(broken)).toThrow(/models\.1\.variants\.int4\.ramBytes/);
    const twoDefaults = structuredClone(catalog);
    twoDefaults.models[1].default = true;
    expect(() => parseCatalog(twoDefaults)).toThrow(/exactly one entry must be the default/);
  });
});
