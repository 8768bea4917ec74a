/**
 * Messages between the model manager and the build process. The build runs in a process of its own (an Electron
 * utilityProcess in the app, a forked Node child in the preview server and tests), never on main's event loop and
 * never in the engine: converting a 30 B checkpoint takes many CPU-minutes and gigabytes of memory, its self-check
 * loads onnxruntime-node (which is not safe in worker_threads inside Electron, desktop-ux.md §3.3), and a crash or
 * an out-of-memory kill there must cost only the build, never the window or a loaded model. Killing the process is
 * also the one cancel that always works: the builder has no cancellation points of its own.
 */
import { z } from 'zod';
import { ErrorInfoSchema } from '../../engine/protocol';

export const BuildRequest = z.strictObject({
  kind: z.literal('build'),
  checkpointDir: z.string().min(1),
  model: z.strictObject({ id: z.string().min(1).max(256), revision: z.string().min(1).max(256) }),
  variant: z.enum(['fp32', 'int4']),
  keepCheckpoint: z.boolean(),
});
export type BuildRequest = z.infer<typeof BuildRequest>;

export const BuildReport = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('progress'), fraction: z.number().min(0).max(1), stage: z.string() }),
  z.strictObject({ kind: z.literal('done'), bundleDir: z.string() }),
  z.strictObject({ kind: z.literal('failed'), error: ErrorInfoSchema }),
]);
export type BuildReport = z.infer<typeof BuildReport>;
