import { useId } from 'react';
import { ExportIcon } from '../icons';
import { sendsInPlainText, serverAddress } from './address';
import { useConversationBackend } from './useConversationBackend';

/**
 * Always on screen while the conversation shown is answered by a remote server: where its data goes, in words a
 * screen reader announces with it and a tooltip repeats.
 */
export function DataLeavesBadge() {
  const { server } = useConversationBackend();
  const descriptionId = useId();
  // A conversation whose server was removed sends nothing: its next turn is refused, and the switch says why.
  if (!server) return null;
  const where = serverAddress(server.baseUrl);
  const explanation =
    `What you type, say, show or attach in this conversation leaves this computer: it is sent to the server “${server.name}” at ${server.baseUrl}, which answers it.` +
    (sendsInPlainText(server.baseUrl) ? ' The connection is plain http, so it is not encrypted on the way.' : '');
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
