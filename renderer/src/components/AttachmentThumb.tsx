import type { Attachment } from '../../../main/ipc/contract';
import { useObjectUrl } from './useObjectUrl';

/** A small picture of an attachment: the image itself, or a clip's first frame. */
export function AttachmentThumb({ attachment, className = 'size-12' }: { attachment: Attachment; className?: string }) {
  const picture = attachment.kind === 'image' ? attachment.data : attachment.kind === 'frames' ? attachment.frames[0] : undefined;
  const url = useObjectUrl(picture, attachment.kind === 'image' ? attachment.mime : 'image/jpeg');
  return url ? (
    <img src={url} alt={attachment.name} className={`${className} shrink-0 rounded-lg object-cover ring-1 ring-black/5 dark:ring-white/10`} />
  ) : (
    <span className={`${className} shrink-0 rounded-lg bg-zinc-100 dark:bg-zinc-800`} role="img" aria-label={attachment.name} />
  );
}

/** "2 frames · 1 s" for a clip, nothing for a still. */
export function clipLength(attachment: Attachment): string | undefined {
  if (attachment.kind !== 'frames') return undefined;
  return `${attachment.frames.length} frames · ${Math.round(attachment.frames.length / attachment.fps)} s`;
}
