import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { useStores } from '../stores/context';
import { SendIcon, StopIcon } from './icons';

export function Composer() {
  const conversation = useStores().conversation;
  const activeTurnId = useStore(conversation, (s) => s.activeTurnId);
  const [draft, setDraft] = useState('');
  const canSend = draft.trim().length > 0 && !activeTurnId;

  const submit = () => {
    if (!canSend) return;
    void conversation.getState().send(draft);
    setDraft('');
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter sends, Shift+Enter breaks the line; an IME composition keeps its own Enter.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form aria-label="Compose" onSubmit={onSubmit} className="px-8 pt-2 pb-5">
      <div className="mx-auto flex max-w-3xl items-end gap-2 rounded-2xl border border-zinc-200 bg-white p-2 shadow-sm focus-within:border-accent-500 dark:border-zinc-700 dark:bg-zinc-900">
        <label htmlFor="composer-input" className="sr-only">
          Message
        </label>
        <textarea
          id="composer-input"
          rows={1}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
          placeholder="Message Omnidesk"
          className="max-h-40 min-h-9 flex-1 resize-none bg-transparent px-2 py-1.5 text-sm [field-sizing:content] placeholder:text-zinc-400 focus:outline-none"
        />
        {activeTurnId ? (
          <button type="button" className="btn btn-quiet" onClick={() => void conversation.getState().interrupt()}>
            <StopIcon />
            Stop
          </button>
        ) : (
          <button type="submit" className="btn btn-primary" disabled={!canSend}>
            Send
            <SendIcon />
          </button>
        )}
      </div>
      <p className="mx-auto mt-1.5 max-w-3xl px-2 text-xs text-zinc-400 dark:text-zinc-500">Enter to send · Shift+Enter for a new line</p>
    </form>
  );
}
