import { useId, useState, type FormEvent } from 'react';
import { CONVERSATION_LIMITS, type ConversationSummary, type ExportFormat } from '../../../../main/ipc/contract';
import { useStores } from '../../stores/context';
import { ConfirmDialog } from '../ConfirmDialog';
import { ExportIcon, PencilIcon, TrashIcon } from '../icons';

const FORMATS: Array<{ value: ExportFormat; label: string }> = [
  { value: 'markdown', label: 'Markdown (readable anywhere)' },
  { value: 'json', label: 'JSON (everything, for scripts)' },
];

/** Rename, export and delete for the conversation on screen. */
export function ConversationActions({ conversation }: { conversation: ConversationSummary }) {
  const store = useStores().conversations;
  const [dialog, setDialog] = useState<'rename' | 'export' | 'delete'>();
  const [title, setTitle] = useState(conversation.title);
  const [formats, setFormats] = useState<ExportFormat[]>(['markdown', 'json']);
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    await action();
    setBusy(false);
    setDialog(undefined);
  };
  const rename = (event?: FormEvent) => {
    event?.preventDefault();
    if (title.trim()) void run(() => store.getState().rename(conversation.id, title.trim()));
  };

  return (
    <>
      <button type="button" className="btn btn-quiet" onClick={() => (setTitle(conversation.title), setDialog('rename'))}>
        <PencilIcon />
        Rename
      </button>
      <button type="button" className="btn btn-quiet" onClick={() => setDialog('export')}>
        <ExportIcon />
        Export
      </button>
      <button type="button" className="btn btn-quiet" onClick={() => setDialog('delete')}>
        <TrashIcon />
        Delete
      </button>

      <ConfirmDialog open={dialog === 'rename'} title="Rename conversation" confirmLabel="Rename" busy={busy || !title.trim()} onClose={() => setDialog(undefined)} onConfirm={rename}>
        <form onSubmit={rename}>
          <label htmlFor={titleId} className="sr-only">
            Conversation title
          </label>
          <input id={titleId} className="input" value={title} maxLength={CONVERSATION_LIMITS.titleChars} onChange={(event) => setTitle(event.target.value)} />
        </form>
      </ConfirmDialog>

      <ConfirmDialog
        open={dialog === 'export'}
        title="Export conversation"
        confirmLabel="Export"
        busy={busy || formats.length === 0}
        onClose={() => setDialog(undefined)}
        onConfirm={() => void run(() => store.getState().exportTo(conversation.id, formats))}
      >
        <fieldset>
          <legend className="mb-2">A folder with the text, images and recordings (WAV), in:</legend>
          {FORMATS.map((format) => (
            <label key={format.value} className="flex items-center gap-2 py-0.5 text-zinc-800 dark:text-zinc-200">
              <input
                type="checkbox"
                className="accent-accent-600"
                checked={formats.includes(format.value)}
                onChange={(event) => setFormats((chosen) => (event.target.checked ? [...chosen, format.value] : chosen.filter((f) => f !== format.value)))}
              />
              {format.label}
            </label>
          ))}
        </fieldset>
      </ConfirmDialog>

      <ConfirmDialog
        open={dialog === 'delete'}
        title={`Delete “${conversation.title}”?`}
        confirmLabel="Delete"
        danger
        busy={busy}
        onClose={() => setDialog(undefined)}
        onConfirm={() => void run(() => store.getState().remove(conversation.id))}
      >
        Its {conversation.messageCount} messages, images and recordings are deleted from this computer. This cannot be undone.
      </ConfirmDialog>
    </>
  );
}
