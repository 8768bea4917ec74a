/** Paths of the audio test inputs: this folder's __fixtures__ and the oracle's models/fixtures/media. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpySync } from '../../runtime/npy';
import { mediaPath } from '../../testing/fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));

export const fixture = (name: string): string => path.join(here, '__fixtures__', name);
export const media = (name: string): string => mediaPath(name);

/** A float32 .npy from __fixtures__, as its flat data. */
export function expectedFloat32(name: string): Float32Array {
  const array = readNpySync(fixture(name));
  if (array.dtype !== 'float32') throw new Error(`${name}: expected float32, found ${array.dtype}`);
  return array.data as Float32Array;
}
