/**
 * Runs one build in a child process (./buildProtocol.ts says why) and turns its reports into a promise with
 * progress. Aborting kills the process and removes what it left in `bundles/`; an unexpected exit is a
 * BUILD_FAILED naming how the process ended. The checkpoint is never touched on failure, so a build can be retried.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { EngineExit } from '../../engine/host/supervisor';
import { ModelError } from '../errors';
import { OmniError } from '../../engine/errors';
import type { VariantName } from '../catalog/schema';
import { BuildReport, type BuildRequest } from './buildProtocol';
import type { BuildProgress, ModelOrigin } from './postDownload';

/**
 * The shape both launchers give (utilityProcess in the app, fork elsewhere), as the engine supervisor uses them;
 * `post` takes any message because the launchers are typed for the engine's.
 */
export interface BuildChild {
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (exit: EngineExit) => void): void;
  kill(): void;
}

export interface BuildJobRequest {
  checkpointDir: string;
  model: ModelOrigin;
  variant: VariantName;
  keepCheckpoint: boolean;
  signal: AbortSignal;
  onProgress: (progress: BuildProgress) => void;
}

export type BuildRunner = (request: BuildJobRequest) => Promise<{ bundleDir: string }>;

/** Staging folders of a variant's build: buildVariant's `.<variant>.building` and the builder's own partial next to it. */
async function removeLeftovers(checkpointDir: string, variant: VariantName): Promise<void> {
  const bundles = path.join(path.dirname(checkpointDir), 'bundles');
  const entries = await readdir(bundles).catch(() => [] as string[]);
  const prefixes = [`.${variant}.building`, `..${variant}.building`];
  await Promise.all(entries.filter((name) => prefixes.some((p) => name.startsWith(p))).map((name) => rm(path.join(bundles, name), { recursive: true, force: true })));
}

export function processBuildRunner(launch: () => BuildChild): BuildRunner {
  return (request) =>
    new Promise((resolve, reject) => {
      if (request.signal.aborted) {
        reject(new ModelError('CANCELLED', `The ${request.variant} build was cancelled`));
        return;
      }
      const child = launch();
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        request.signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const failWith = (error: OmniError) => settle(() => void removeLeftovers(request.checkpointDir, request.variant).finally(() => reject(error)));
      let cancelled = false;
      // The leftovers are removed once the process is gone, so nothing writes into them after.
      const onAbort = () => {
        cancelled = true;
        child.kill();
      };
      request.signal.addEventListener('abort', onAbort);
      child.onMessage((raw) => {
        const parsed = BuildReport.safeParse(raw);
        if (!parsed.success) return;
        const report = parsed.data;
        if (report.kind === 'progress') {
          if (!settled) request.onProgress({ fraction: report.fraction, stage: report.stage });
        } else if (report.kind === 'done') {
          settle(() => resolve({ bundleDir: report.bundleDir }));
        } else {
          failWith(OmniError.fromInfo(report.error));
        }
      });
      child.onExit((exit) =>
        failWith(
          cancelled
            ? new ModelError('CANCELLED', `The ${request.variant} build was cancelled`)
            : new ModelError(
                'BUILD_FAILED',
                `The build process ${exit.reason} before the ${request.variant} bundle was finished`,
                'The downloaded checkpoint is kept: press Download again to retry the build. If it keeps failing, free memory or choose int4.',
              ),
        ),
      );
      const message: BuildRequest = { kind: 'build', checkpointDir: request.checkpointDir, model: request.model, variant: request.variant, keepCheckpoint: request.keepCheckpoint };
      child.post(message);
    });
}
