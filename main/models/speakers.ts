/**
 * The voices the installed models offer: the keys of `talker_config.speaker_id` in each bundle's copy of the
 * checkpoint's config.json (e.g. chelsie, ethan, aiden), shown capitalised as Qwen3-Omni's documentation names
 * them; the talker looks them up lower-cased, so the spelling does not matter to it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { listInstalledModels } from './installed';

const capitalise = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

async function speakersOf(bundleDir: string): Promise<string[]> {
  try {
    const config = JSON.parse(await readFile(path.join(bundleDir, 'config.json'), 'utf8')) as { talker_config?: { speaker_id?: unknown } };
    const ids = config.talker_config?.speaker_id;
    return ids && typeof ids === 'object' ? Object.keys(ids) : [];
  } catch {
    return [];
  }
}

export async function installedSpeakers(modelsDir: string): Promise<string[]> {
  const bundles = (await listInstalledModels(modelsDir)).flatMap((model) => model.variants.map((v) => v.path));
  const names = (await Promise.all(bundles.map(speakersOf))).flat().map((name) => capitalise(name.toLowerCase()));
  return [...new Set(names)].sort();
}
