/**
 * The model manager's build step backed by the ONNX bundle builder. The builder reports checkpoint bytes consumed;
 * the model manager wants a fraction and a stage name.
 */
import { buildBundle } from '../../engine/builder/build';
import type { BundleBuilder } from './postDownload';

export const onnxBundleBuilder: BundleBuilder = async (job) => {
  await buildBundle(job.checkpointDir, job.bundleDir, {
    variant: job.variant,
    model: job.model,
    // buildVariant hands over an empty staging folder of its own.
    overwrite: true,
    onProgress: (p) => job.onProgress({ fraction: p.totalBytes > 0 ? p.doneBytes / p.totalBytes : 0, stage: p.phase }),
  });
};
