import type { SystemInfo } from '../../main/ipc/contract';

type ExecutionProviderName = SystemInfo['engine']['executionProviders'][number]['name'];

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

/** Decimal units, as disks and downloads are labelled. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

const PROVIDER_NAMES: Record<ExecutionProviderName, string> = {
  cpu: 'CPU',
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'Core ML',
  webgpu: 'WebGPU',
};

export const providerName = (name: ExecutionProviderName) => PROVIDER_NAMES[name];

/** An audio length from its sample count: "1.6 s". */
export const formatSeconds = (samples: number, sampleRate: number) => `${(samples / sampleRate).toFixed(1)} s`;

/**
 * A time taken or waited: "0.4 s" and "8.6 s" below ten seconds, then "42 s", "3 min 5 s". `whole` counts whole
 * seconds only, for a wait shown as it grows.
 */
export function formatDuration(ms: number, { whole = false } = {}): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 10 && !whole) return `${seconds.toFixed(1)} s`;
  const total = whole ? Math.floor(seconds) : Math.round(seconds);
  return total < 60 ? `${total} s` : `${Math.floor(total / 60)} min ${total % 60} s`;
}
