import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const engineDir = path.dirname(fileURLToPath(import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(m|c)?[jt]sx?$/.test(entry.name) ? [full] : [];
  });
}

/** Static imports, dynamic imports and requires of a module specifier. */
const importPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

describe('main/engine purity', () => {
  it('no file under main/engine imports electron or Electron-side app code', () => {
    const offenders: string[] = [];
    const self = fileURLToPath(import.meta.url);
    for (const file of sourceFiles(engineDir).filter((f) => f !== self)) {
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(importPattern)) {
        const resolved = specifier.startsWith('.') ? path.resolve(path.dirname(file), specifier) : specifier;
        const electronSide =
          specifier === 'electron' ||
          specifier.startsWith('electron/') ||
          resolved.includes(`${path.sep}main${path.sep}app`) ||
          resolved.endsWith(`${path.sep}ipc${path.sep}electron`);
        if (electronSide) offenders.push(`${path.relative(engineDir, file)} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the check itself recognises every import form', () => {
    // Spelled through a variable so this file does not itself contain the imports it describes.
    const e = 'electron';
    const sample = `import { app } from '${e}';\nconst u = await import("${e}/main");\nrequire('${e}');\nimport '${e}';`;
    expect([...sample.matchAll(importPattern)].map((m) => m[1])).toEqual(['electron', 'electron/main', 'electron', 'electron']);
  });
});
