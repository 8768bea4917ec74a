/**
 * Installed models as laid out in the data folder: `models/<org>/<name>/<revision>/bundles/<variant>/manifest.json`.
 * A bundle counts as installed only when its manifest exists, since the model manager writes the manifest last.
 * Hidden folders are work in progress (a bundle being built, a tree being removed) and never count.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { InstalledModel } from '../ipc/contract';

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** Bytes of every file under `dir`; 0 for a folder that does not exist. */
export async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? await folderSize(full) : (await stat(full)).size;
  }
  return total;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

export async function listInstalledModels(modelsDir: string): Promise<InstalledModel[]> {
  const models: InstalledModel[] = [];
  for (const org of await subdirectories(modelsDir)) {
    for (const name of await subdirectories(path.join(modelsDir, org))) {
      for (const revision of await subdirectories(path.join(modelsDir, org, name))) {
        const bundles = path.join(modelsDir, org, name, revision, 'bundles');
        const variants: InstalledModel['variants'] = [];
        for (const variant of await subdirectories(bundles)) {
          const dir = path.join(bundles, variant);
          if (await exists(path.join(dir, 'manifest.json'))) {
            variants.push({ variant, path: dir, sizeBytes: await folderSize(dir) });
          }
        }
        if (variants.length > 0) models.push({ id: `${org}/${name}`, revision, variants });
      }
    }
  }
  return models;
}
