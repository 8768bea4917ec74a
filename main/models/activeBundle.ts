/**
 * Which installed bundle answers: the one built last (its manifest is written last), so a model just installed or
 * rebuilt is the one in use, without a setting to keep in step. Undefined when nothing is installed.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { listInstalledModels } from './installed';

export interface ActiveBundle {
  id: string;
  revision: string;
  variant: string;
  path: string;
}

export async function activeBundle(modelsDir: string): Promise<ActiveBundle | undefined> {
  let best: { bundle: ActiveBundle; builtAt: number } | undefined;
  for (const model of await listInstalledModels(modelsDir)) {
    for (const variant of model.variants) {
      const builtAt = (await stat(path.join(variant.path, 'manifest.json')).catch(() => undefined))?.mtimeMs;
      if (builtAt !== undefined && (!best || builtAt > best.builtAt)) {
        best = { bundle: { id: model.id, revision: model.revision, variant: variant.variant, path: variant.path }, builtAt };
      }
    }
  }
  return best?.bundle;
}
