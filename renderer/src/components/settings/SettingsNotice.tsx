import { useStore } from 'zustand';
import { useStores } from '../../stores/context';
import { ErrorCallout } from '../ErrorCallout';

/** An unreadable settings file, or a change main refused: said once, at the top of Settings. */
export function SettingsNotice() {
  const store = useStores().settings;
  const notice = useStore(store, (s) => s.data.value?.notice);
  const saveError = useStore(store, (s) => s.saveError);
  const failed = useStore(store, (s) => (s.data.phase === 'failed' ? s.data.error : undefined));
  return (
    <>
      {failed && <ErrorCallout error={failed} />}
      {saveError && <ErrorCallout error={saveError} />}
      {notice && (
        <div role="status" className="flex items-start justify-between gap-4 rounded-xl border border-amber-300/70 bg-amber-50 px-4 py-3 text-sm text-amber-950 dark:border-amber-400/30 dark:bg-amber-400/10 dark:text-amber-100">
          <div className="space-y-1">
            <p className="font-semibold">Some settings were reset</p>
            <p>{notice.message}</p>
            <p className="break-all text-amber-900/80 dark:text-amber-100/75">
              The original file is kept as <code className="code">{notice.keptAs}</code>.
            </p>
          </div>
          <button type="button" className="btn btn-quiet shrink-0" onClick={() => store.getState().dismissNotice()}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}
