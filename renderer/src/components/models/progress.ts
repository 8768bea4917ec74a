/** How a model job reads on screen: its phase in words, and its progress as figures. */
import type { ModelJob } from '../../../../main/ipc/contract';
import { formatBytes } from '../../format';

/** A remaining time as people say it: "8 s", "4 min 10 s", "2 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const minutes = Math.round((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ''}`;
}

export function phaseLabel(job: ModelJob): string {
  switch (job.phase) {
    case 'resolving':
      return 'Listing the files to download…';
    case 'checking':
      return 'Checking files already on this computer…';
    case 'downloading':
      return 'Downloading';
    case 'paused':
      return 'Paused';
    case 'installing':
      return 'Installing…';
    case 'building':
      return `Building the ${job.variant} bundle`;
    case 'done':
      return `Installed (${job.variant})`;
    case 'failed':
      return 'Stopped by an error';
    case 'cancelled':
      return 'Cancelled';
  }
}

/** "5.2 MB of 13.0 MB · 3.1 MB/s · about 4 s left"; a stalled transfer says so instead of a frozen estimate. */
export function progressLine(progress: NonNullable<ModelJob['progress']>, paused: boolean): string {
  const amount = `${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}`;
  if (paused) return amount;
  if (progress.bytesDone >= progress.bytesTotal) return amount;
  const speed = `${formatBytes(progress.bytesPerSecond)}/s`;
  const eta = progress.etaSeconds === undefined ? 'waiting for data' : `about ${formatDuration(progress.etaSeconds)} left`;
  return `${amount} · ${speed} · ${eta}`;
}

export const percent = (progress: NonNullable<ModelJob['progress']>) =>
  progress.bytesTotal > 0 ? Math.min(100, Math.floor((progress.bytesDone / progress.bytesTotal) * 100)) : 0;
