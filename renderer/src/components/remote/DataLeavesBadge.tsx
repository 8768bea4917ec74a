import { useId } from 'react';
import { ExportIcon } from '../icons';
import { sendsInPlainText, serverAddress } from './address';
import { useConversationBackend } from './useConversationBackend';

/**
 * Always on screen while the conversation shown is answered by a remote server: where its data goes, in words a
 * screen reader announces with it and a tooltip repeats.
 */
export function DataLeavesBadge() {
  const { remote, server } = useConversationBackend();
  const descriptionId = useId();
  if (!remote) return null;
  const where = server ? serverAddress(server.baseUrl) : 'a removed server';
  const explanation = server
    ? `What you type, say, show or attach in this conversation leaves this computer: it is sent to the server “${server.name}” at ${server.baseUrl}, which answers it.` +
      (sendsInPlainText(server.baseUrl) ? ' The connection is plain http, so it is not encrypted on the way.' : '')
    : 'This conversation was answered by a server that has since been removed; choose who answers it next.';
  return (
    <p
      role="note"
      aria-label={`Sent to ${where}`}
      title={explanation}
      aria-describedby={descriptionId}
      className="inline-flex max-w-full items-center gap-1.5 rounded-full border border-amber-300 bg-amber-50 px-2.5 py-0.5 text-xs font-medium text-amber-900 dark:border-amber-400/40 dark:bg-amber-400/10 dark:text-amber-200"
    >
      <ExportIcon className="size-3.5 shrink-0" />
      <span className="truncate">Sent to {where}</span>
      <span id={descriptionId} className="sr-only">
        {explanation}
      </span>
    </p>
  );
}
