import { useStores } from '../stores/context';
import type { Message } from '../stores/conversation';
import { ErrorCallout } from './ErrorCallout';

export function MessageItem({ message }: { message: Message }) {
  const show = useStores().navigation.getState().show;
  if (message.role === 'user') {
    return (
      <article aria-label="You" className="flex justify-end">
        <p className="max-w-[80%] rounded-2xl rounded-br-md bg-accent-600 px-4 py-2.5 text-sm whitespace-pre-wrap text-white select-text dark:bg-accent-500 dark:text-zinc-950">
          {message.text}
        </p>
      </article>
    );
  }
  return (
    <article aria-label="Omnidesk" aria-busy={message.status === 'waiting' || message.status === 'streaming'} className="flex gap-3">
      <span className="mt-1 size-6 shrink-0 rounded-lg bg-gradient-to-br from-accent-400 to-accent-700" aria-hidden="true" />
      <div className="min-w-0 flex-1 space-y-2 text-sm">
        {message.status === 'waiting' && <p className="pt-1.5 text-zinc-500 dark:text-zinc-400">Thinking…</p>}
        {message.text && <p className="pt-1 whitespace-pre-wrap select-text">{message.text}</p>}
        {message.status === 'interrupted' && <p className="text-xs text-zinc-500 dark:text-zinc-400">Stopped.</p>}
        {message.error && (
          <ErrorCallout
            error={message.error}
            action={
              message.error.code === 'MODEL_NOT_INSTALLED' && (
                <button type="button" className="btn btn-quiet" onClick={() => show('models')}>
                  Open Models
                </button>
              )
            }
          />
        )}
      </div>
    </article>
  );
}
