import type { Attachment } from '../../../main/ipc/contract';
import { CameraIcon, SoundIcon } from './icons';
import { useObjectUrl } from './useObjectUrl';

/** A small picture of an attachment: the image itself, a clip's first frame, or what kind of file it is. */
export function AttachmentThumb({ attachment, className = 'size-12' }: { attachment: Attachment; className?: string }) {
  const picture = attachment.kind === 'image' ? attachment.data : attachment.kind === 'frames' ? attachment.frames[0] : undefined;
  const url = useObjectUrl(picture, attachment.kind === 'image' ? attachment.mime : 'image/jpeg');
  const KindIcon = attachment.kind === 'audio' ? SoundIcon : attachment.kind === 'video' ? CameraIcon : undefined;
  return url ? (
    <img src={url} alt={attachment.name} className={`${className} shrink-0 rounded-lg object-cover ring-1 ring-black/5 dark:ring-white/10`} />
  ) : (
    <span
      className={`${className} flex shrink-0 items-center justify-center rounded-lg bg-zinc-100 text-zinc-500 dark:bg-zinc-800 dark:text-zinc-400`}
      role="img"
      aria-label={attachment.name}
    >
      {KindIcon && <KindIcon className="size-1/2 max-h-6 max-w-6" />}
    </span>
  );
}

/** "2 frames · 1 s" for a clip, nothing for a still. */
export function clipLength(attachment: Attachment): string | undefined {
  if (attachment.kind !== 'frames') return undefined;
  return `${attachment.frames.length} frames · ${Math.round(attachment.frames.length / attachment.fps)} s`;
}
