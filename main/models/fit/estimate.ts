/**
 * The verdict shown before any byte is fetched: per buildable variant, does this machine have the disk, the RAM and
 * (where detectable) the GPU memory the catalog says it needs. "Runs here" needs a GPU that holds the weights and the
 * KV cache; enough RAM without that gives "runs slowly on CPU"; otherwise, or without the disk to build it, "does not
 * fit". Pure: the machine and the catalog entry come in, so it works offline and is testable.
 */
import type { CatalogEntry, VariantName, VariantNeeds } from '../catalog/schema';
import { VARIANTS } from '../catalog/schema';
import type { Machine } from './machine';

export type Verdict = 'runs here' | 'runs slowly on CPU' | 'does not fit';

export interface VariantFit {
  variant: VariantName;
  needs: VariantNeeds;
  verdict: Verdict;
  /** Why, in the user's terms: what is missing, or what would make it better. */
  reasons: string[];
}

/** Host memory a GPU run still needs: the app, ONNX Runtime and staging of weights on their way to the GPU. */
export const GPU_RUN_HOST_RAM = 8 * 1024 ** 3;

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

export function fitVariant(entry: CatalogEntry, variant: VariantName, machine: Machine): VariantFit {
  const needs = entry.variants[variant];
  const reasons: string[] = [];
  if (machine.freeDiskBytes < needs.diskBytes) {
    reasons.push(`needs ${gb(needs.diskBytes)} of disk to download and build, ${gb(machine.freeDiskBytes)} free`);
    return { variant, needs, verdict: 'does not fit', reasons };
  }
  const vram = machine.vramBytes;
  if (vram !== undefined && !machine.gpuUnusable && vram >= needs.vramBytes && machine.totalRamBytes >= GPU_RUN_HOST_RAM) {
    return { variant, needs, verdict: 'runs here', reasons: [`fits the ${gb(vram)} GPU (needs ${gb(needs.vramBytes)})`] };
  }
  if (vram === undefined) reasons.push(`no GPU memory detected (needs ${gb(needs.vramBytes)} on a GPU)`);
  else if (machine.gpuUnusable) reasons.push(`the ${gb(vram)} GPU cannot be used: ${machine.gpuUnusable}`);
  else reasons.push(`the GPU has ${gb(vram)}, needs ${gb(needs.vramBytes)}`);
  if (machine.totalRamBytes < needs.ramBytes) {
    reasons.push(`needs ${gb(needs.ramBytes)} of RAM on the CPU, this machine has ${gb(machine.totalRamBytes)}`);
    return { variant, needs, verdict: 'does not fit', reasons };
  }
  if (machine.freeRamBytes < needs.ramBytes) reasons.push(`only ${gb(machine.freeRamBytes)} of RAM is free now: close other apps first`);
  return { variant, needs, verdict: 'runs slowly on CPU', reasons };
}

export const fitAll = (entry: CatalogEntry, machine: Machine): VariantFit[] => VARIANTS.map((v) => fitVariant(entry, v, machine));
