/**
 * The step after a download: build the chosen ONNX variant from the installed checkpoint, then keep or delete the
 * checkpoint as the user chose. The builder itself is plugged in (the ONNX builder of the thinker/talker issues,
 * run in the engine process, is not written yet); this module gives it a staging folder and progress, and makes its
 * result appear atomically: `bundles/<variant>/` exists only once the builder finished and wrote `manifest.json`.
 * A failed or cancelled build leaves the checkpoint and no bundle.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { VariantName } from '../catalog/schema';
import { isModelError, ModelError } from '../errors';
import { syncFolder } from '../download/journal';
import { removeTree } from '../removeTree';

export interface BuildProgress {
  /** 0…1 over the whole build. */
  fraction: number;
  /** What the builder is doing, for the user ("thinker layer 12 of 48"). */
  stage: string;
}

/** Which Hub repository and commit the checkpoint is: the bundle's manifest records it. */
export interface ModelOrigin {
  id: string;
  revision: string;
}

export interface BuildJob {
  checkpointDir: string;
  model: ModelOrigin;
  /** An empty folder to write the bundle into; `manifest.json` last. */
  bundleDir: string;
  variant: VariantName;
  signal: AbortSignal;
  onProgress: (progress: BuildProgress) => void;
}

export type BundleBuilder = (job: BuildJob) => Promise<void>;

export interface BuildRequest {
  builder: BundleBuilder;
  checkpointDir: string;
  model: ModelOrigin;
  variant: VariantName;
  /** false: delete the downloaded checkpoint once the bundle is in place. */
  keepCheckpoint: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: BuildProgress) => void;
}

export async function buildVariant(request: BuildRequest): Promise<{ bundleDir: string; checkpointKept: boolean }> {
  const bundles = path.join(path.dirname(request.checkpointDir), 'bundles');
  const bundleDir = path.join(bundles, request.variant);
  const building = path.join(bundles, `.${request.variant}.building`);
  await rm(building, { recursive: true, force: true });
  await mkdir(building, { recursive: true });
  const signal = request.signal ?? new AbortController().signal;
  try {
    await request.builder({
      checkpointDir: request.checkpointDir,
      model: request.model,
      bundleDir: building,
      variant: request.variant,
      signal,
      onProgress: (p) => request.onProgress?.({ fraction: Math.min(1, Math.max(0, p.fraction)), stage: p.stage }),
    });
    if (signal.aborted) throw new ModelError('CANCELLED', `The ${request.variant} build was cancelled`);
    if (!(await stat(path.join(building, 'manifest.json')).catch(() => undefined))) {
      throw new ModelError('BUILD_FAILED', `The ${request.variant} build finished without writing manifest.json`, 'This is a builder bug; the checkpoint is kept, so the build can be run again.');
    }
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    if (isModelError(error)) throw error;
    if (signal.aborted) throw new ModelError('CANCELLED', `The ${request.variant} build was cancelled`);
    throw new ModelError('BUILD_FAILED', `Building ${request.variant} from ${request.checkpointDir} failed: ${(error as Error).message}`, 'The checkpoint is kept; run the build again, or report the message above.');
  }
  await removeTree(bundleDir);
  await rename(building, bundleDir);
  await syncFolder(bundles);
  request.onProgress?.({ fraction: 1, stage: 'done' });
  if (!request.keepCheckpoint) await removeTree(request.checkpointDir);
  return { bundleDir, checkpointKept: request.keepCheckpoint };
}
