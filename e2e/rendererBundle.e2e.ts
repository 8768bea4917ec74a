import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ASSETS_DIR = fileURLToPath(new URL('../out/renderer/assets', import.meta.url));

describe('the built renderer bundle', () => {
  // The renderer takes types and plain values from main (LIMITS, default settings); the zod schemas validate in
  // main and would add ~90 kB to the page for nothing.
  it('holds no zod: every value it takes from main comes from a zod-free module', () => {
    const scripts = readdirSync(ASSETS_DIR).filter((name) => name.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    const withZod = scripts.filter((name) => readFileSync(path.join(ASSETS_DIR, name), 'utf8').includes('ZodError'));
    expect(withZod).toEqual([]);
  });
});
