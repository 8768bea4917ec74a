import type { ReactNode } from 'react';
import type { ErrorInfo } from '../../../main/ipc/contract';
import { errorTitle } from '../errors';
import { AlertIcon } from './icons';

/** An error as the engine explained it: what happened, and the next step when there is one. */
export function ErrorCallout({ error, action }: { error: ErrorInfo; action?: ReactNode }) {
  return (
    <div className="flex gap-3 rounded-xl border border-amber-300/70 bg-amber-50 px-4 py-3 text-sm text-amber-950 dark:border-amber-400/30 dark:bg-amber-400/10 dark:text-amber-100">
      <AlertIcon className="mt-0.5 size-4 shrink-0 text-amber-600 dark:text-amber-300" />
      <div className="min-w-0 space-y-1">
        <p className="font-semibold">{errorTitle(error.code)}</p>
        <p className="break-words">{error.message}</p>
        {error.hint && <p className="break-words text-amber-900/80 dark:text-amber-100/75">{error.hint}</p>}
        {action && <div className="pt-1.5">{action}</div>}
      </div>
    </div>
  );
}
