/** Download settings for tests and their child processes (kept apart from harness.ts, which needs a running vitest). */
import type { DownloadTuning } from '../download/downloadJob';
import { randomFor } from './faults';

/** Small segments so a few-MB file is fetched in parallel pieces; short stalls and back-off so faults cost ms. */
export const testTuning = (seed = 'tuning'): Partial<DownloadTuning> => ({
  concurrency: 4,
  segmentBytes: 512 * 1024,
  stallMs: 200,
  journalIntervalMs: 100,
  liveJournalIntervalMs: 20,
  progressIntervalMs: 40,
  retry: { attempts: 6, baseDelayMs: 2, maxDelayMs: 20 },
  minFreeBytes: 0,
  random: randomFor(seed),
});
