/**
 * Entry of the build process (see ./buildProtocol.ts for why the build runs in a process of its own): takes one
 * build request, reports progress, then the result, and exits.
 */
import { toErrorInfo } from '../../engine/errors';
import { connectParent } from '../../engine/parent';
import { BuildRequest, type BuildReport } from './buildProtocol';
import { onnxBundleBuilder } from './onnxBuilder';
import { buildVariant } from './postDownload';

/** Progress at most this often: the builder reports per tensor, far more often than a progress bar can use. */
const PROGRESS_INTERVAL_MS = 200;

// The parent link is the engine's (the same utilityProcess / fork channel); only its type names the engine's messages.
const parent = connectParent();
const report = (message: BuildReport) => parent.post(message as never);

let started = false;
parent.onMessage((raw) => {
  const parsed = BuildRequest.safeParse(raw);
  if (!parsed.success || started) return;
  started = true;
  const request = parsed.data;
  let lastProgress = 0;
  buildVariant({
    builder: onnxBundleBuilder,
    checkpointDir: request.checkpointDir,
    model: request.model,
    variant: request.variant,
    keepCheckpoint: request.keepCheckpoint,
    onProgress: ({ fraction, stage }) => {
      const now = Date.now();
      if (fraction < 1 && now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      report({ kind: 'progress', fraction, stage });
    },
  })
    .then(({ bundleDir }) => report({ kind: 'done', bundleDir }), (error: unknown) => report({ kind: 'failed', error: toErrorInfo(error) }))
    // Let the last message leave before exiting.
    .finally(() => setTimeout(() => process.exit(0), 50));
});
