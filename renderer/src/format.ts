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
