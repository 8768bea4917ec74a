import { useStore } from 'zustand';
import { useStores } from '../stores/context';
import { AttachmentThumb, clipLength } from './AttachmentThumb';
import { CloseIcon } from './icons';

/** What the next message will carry, each removable; and why the last thing could not be attached. */
export function AttachmentTray() {
  const attachments = useStores().attachments;
  const items = useStore(attachments, (s) => s.items);
  const problem = useStore(attachments, (s) => s.problem);
  if (items.length === 0 && !problem) return null;
  return (
    <div className="space-y-2 px-1 pb-2">
      {items.length > 0 && (
        <ul aria-label="Attachments" className="flex flex-wrap gap-2">
          {items.map(({ id, attachment }) => (
            <li key={id} className="flex max-w-64 items-center gap-2 rounded-xl bg-zinc-50 py-1 pr-1 pl-1 text-xs dark:bg-zinc-800/70">
              <AttachmentThumb attachment={attachment} className="size-9" />
              <span className="min-w-0">
                <span className="block truncate font-medium">{attachment.name}</span>
                {clipLength(attachment) && <span className="block text-zinc-500 dark:text-zinc-400">{clipLength(attachment)}</span>}
              </span>
              <button
                type="button"
                aria-label={`Remove ${attachment.name}`}
                onClick={() => attachments.getState().remove(id)}
                className="rounded-md p-1 text-zinc-500 hover:bg-zinc-200 hover:text-zinc-900 dark:hover:bg-zinc-700 dark:hover:text-zinc-100"
              >
                <CloseIcon className="size-3.5" />
              </button>
            </li>
          ))}
        </ul>
      )}
      {problem && (
        <p role="alert" className="flex items-center gap-2 text-xs text-amber-700 dark:text-amber-300">
          {problem}
          <button type="button" className="underline" onClick={() => attachments.getState().dismissProblem()}>
            Dismiss
          </button>
        </p>
      )}
    </div>
  );
}
