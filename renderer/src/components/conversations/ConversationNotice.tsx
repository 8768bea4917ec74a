import { useStore } from 'zustand';
import { useStores } from '../../stores/context';
import { ErrorCallout } from '../ErrorCallout';

/** The outcome of the last rename, delete or export: where an export went, or why an action failed. */
export function ConversationNotice() {
  const store = useStores().conversations;
  const error = useStore(store, (s) => s.error);
  const exported = useStore(store, (s) => s.exported);
  const dismiss = (
    <button type="button" className="btn btn-quiet" onClick={() => store.getState().dismiss()}>
      Dismiss
    </button>
  );
  if (error) return <div className="px-8 pt-4"><ErrorCallout error={error} action={dismiss} /></div>;
  if (!exported) return null;
  return (
    <div className="px-8 pt-4">
      <div role="status" className="mx-auto flex max-w-3xl items-start justify-between gap-4 rounded-xl border border-emerald-300/70 bg-emerald-50 px-4 py-3 text-sm text-emerald-950 dark:border-emerald-400/30 dark:bg-emerald-400/10 dark:text-emerald-100">
        <div className="min-w-0">
          <p className="font-semibold">Exported {exported.files.length} files</p>
          <p className="mt-0.5 break-all">
            to <code className="code select-text">{exported.folder}</code>
          </p>
        </div>
        {dismiss}
      </div>
    </div>
  );
}
