/**
 * The model manager over IPC: the catalog with this machine's fit verdicts, installed bundles, disk usage, and one
 * job per model (download, then build) whose snapshots stream as `models.progress` events.
 */
import { z } from 'zod';
import { ErrorInfoSchema } from '../../engine/protocol';
import type { VariantName } from '../../models/catalog/schema';

const Bytes = z.number().int().nonnegative();

/** The catalog's buildable variants (main/models/catalog/schema.ts VARIANTS; a test keeps them equal). */
export const ModelVariant = z.enum(['fp32', 'int4'] as const satisfies readonly VariantName[]);

export const ModelId = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a model id such as Qwen/Qwen3-Omni-30B-A3B-Instruct');

export const InstalledModel = z.strictObject({
  id: z.string(),
  revision: z.string(),
  variants: z.array(z.strictObject({ variant: z.string(), path: z.string(), sizeBytes: Bytes })),
});
export type InstalledModel = z.infer<typeof InstalledModel>;

export const VariantFit = z.strictObject({
  variant: ModelVariant,
  needs: z.strictObject({ bundleBytes: Bytes, diskBytes: Bytes, ramBytes: Bytes, vramBytes: Bytes }),
  verdict: z.enum(['runs here', 'runs slowly on CPU', 'does not fit']),
  reasons: z.array(z.string()),
});
export type VariantFit = z.infer<typeof VariantFit>;

export const MachineInfo = z.strictObject({
  totalRamBytes: Bytes,
  freeRamBytes: Bytes,
  freeDiskBytes: Bytes,
  vramBytes: Bytes.optional(),
  gpuUnusable: z.string().optional(),
});

export const CatalogModel = z.strictObject({
  id: ModelId,
  displayName: z.string(),
  default: z.boolean(),
  speech: z.boolean(),
  license: z.string(),
  revision: z.string(),
  downloadBytes: Bytes,
  fits: z.array(VariantFit),
  /** Built variants on this machine, any revision; `active` marks the one that answers (the last built). */
  installed: z.array(z.strictObject({ revision: z.string(), variant: z.string(), sizeBytes: Bytes, active: z.boolean() })),
});
export type CatalogModel = z.infer<typeof CatalogModel>;

export const ModelCatalogView = z.strictObject({ machine: MachineInfo, models: z.array(CatalogModel) });
export type ModelCatalogView = z.infer<typeof ModelCatalogView>;

export const JOB_PHASES = ['resolving', 'checking', 'downloading', 'paused', 'installing', 'building', 'done', 'failed', 'cancelled'] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

export const ModelJob = z.strictObject({
  id: ModelId,
  variant: ModelVariant,
  phase: z.enum(JOB_PHASES),
  /** Bytes of the current step: downloaded (download) or checkpoint bytes converted (build). */
  progress: z
    .strictObject({
      bytesDone: Bytes,
      bytesTotal: Bytes,
      bytesPerSecond: z.number().nonnegative(),
      /** Absent while nothing moves: a stall shows as no ETA, never a frozen one. */
      etaSeconds: z.number().nonnegative().optional(),
    })
    .optional(),
  /** What is happening now, in words: the file being checked, the builder's stage. */
  detail: z.string().max(300).optional(),
  error: ErrorInfoSchema.optional(),
});
export type ModelJob = z.infer<typeof ModelJob>;

export const DiskUsage = z.strictObject({
  folder: z.string(),
  modelsBytes: Bytes,
  /** Unfinished downloads, kept for resuming. */
  downloadsBytes: Bytes,
  freeBytes: Bytes,
});
export type DiskUsage = z.infer<typeof DiskUsage>;

const ModelRef = z.strictObject({ id: ModelId });

export const modelChannels = {
  'models.list': { request: z.strictObject({}), response: z.strictObject({ models: z.array(InstalledModel) }) },
  'models.catalog': { request: z.strictObject({}), response: ModelCatalogView },
  'models.disk': { request: z.strictObject({}), response: DiskUsage },
  /** Jobs of this app run, finished ones included, so a reloaded page shows where each stands. */
  'models.jobs': { request: z.strictObject({}), response: z.strictObject({ jobs: z.array(ModelJob) }) },
  /** Download (resuming what an earlier run left) and build one catalog model. */
  'models.pull': {
    request: z.strictObject({ id: ModelId, variant: ModelVariant, keepCheckpoint: z.boolean() }),
    response: ModelJob,
  },
  'models.pause': { request: ModelRef, response: ModelJob },
  'models.resume': { request: ModelRef, response: ModelJob },
  'models.cancel': { request: ModelRef, response: ModelJob },
  'models.remove': {
    request: ModelRef,
    response: z.strictObject({ id: ModelId, revisions: z.array(z.string()), freedBytes: Bytes }),
  },
} as const;
