/**
 * One `session.run` of the speech side (talker, code predictor, codec embeddings, Code2Wav) with the turn's
 * AbortSignal checked before and after it, and its wall time added to a clock. Checking before every run is what
 * makes a cancel stop every component within one step: after the abort, no run starts, and a run already in flight
 * is the last one (its outputs are dropped by the check after it). The abort surfaces as `signal.reason`, thrown.
 */
import type * as ort from '../runtime/ort';

/** Milliseconds spent inside `session.run`, accumulated by `guardedRun`. */
export interface RunClock {
  runMs: number;
}

export async function guardedRun(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  clock: RunClock,
  signal?: AbortSignal,
): Promise<Record<string, ort.Tensor>> {
  signal?.throwIfAborted();
  const start = performance.now();
  try {
    return (await session.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    clock.runMs += performance.now() - start;
    signal?.throwIfAborted();
  }
}
