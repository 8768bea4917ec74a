import { vi } from 'vitest';

/** Waits for `condition`, checking every 5 ms; fails the test after `timeoutMs`. */
export const until = (condition: () => boolean, timeoutMs = 10_000): Promise<true> => vi.waitUntil(condition, { timeout: timeoutMs, interval: 5 });
