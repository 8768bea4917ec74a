import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { useStores } from '../stores/context';
import { Composer } from '../components/Composer';
import { MessageItem } from '../components/MessageItem';
import { ConversationActions } from '../components/conversations/ConversationActions';
import { ConversationNotice } from '../components/conversations/ConversationNotice';
import { BackendSwitch } from '../components/remote/BackendSwitch';
import { DataLeavesBadge } from '../components/remote/DataLeavesBadge';
import { useConversationBackend } from '../components/remote/useConversationBackend';
import { ViewHeader } from '../components/ViewHeader';
import { currentSummary } from '../stores/conversations';

export function ConversationView() {
  const stores = useStores();
  const messages = useStore(stores.conversation, (s) => s.messages);
  const conversationId = useStore(stores.conversation, (s) => s.conversationId);
  // Saved once its first turn is sent: from then on it can be renamed, exported and deleted.
  const saved = useStore(stores.conversations, (s) => currentSummary(s.list.value, conversationId));
  const { remote, server } = useConversationBackend();
  const answerer = !remote ? 'the Qwen3-Omni model on this computer' : server ? `the server “${server.name}”` : 'a server that has been removed';
  const dataNote = !remote ? '; nothing is sent anywhere.' : server ? ', so what you send goes there.' : ': choose who answers above.';
  const log = useRef<HTMLDivElement>(null);
  useEffect(() => {
    log.current?.scrollTo({ top: log.current.scrollHeight });
  }, [messages]);
  return (
    <>
      <ViewHeader
        title="Conversation"
        description={saved ? saved.title : remote ? `Answered by ${answerer}.` : 'Runs entirely on this device.'}
        actions={
          <>
            <DataLeavesBadge />
            <BackendSwitch />
            {saved && <ConversationActions key={saved.id} conversation={saved} />}
          </>
        }
      />
      <ConversationNotice />
      <div ref={log} role="log" aria-label="Messages" className="flex-1 overflow-y-auto">
        {messages.length === 0 ? (
          <div className="flex h-full flex-col items-center justify-center px-8 text-center">
            <p className="text-base font-medium text-zinc-700 dark:text-zinc-200">What can I help with?</p>
            <p className="mt-1 max-w-sm text-sm text-zinc-500 dark:text-zinc-400">
              Type a message below. Omnidesk answers with {answerer}
              {dataNote}
            </p>
          </div>
        ) : (
          <div className="px-8 py-6">
            <div className="mx-auto max-w-3xl space-y-5">
              {messages.map((message) => (
                <MessageItem key={message.id} message={message} />
              ))}
            </div>
          </div>
        )}
      </div>
      {server && (
        <div className="px-8">
          <div className="mx-auto max-w-3xl">
            <DataLeavesBadge />
          </div>
        </div>
      )}
      <Composer />
    </>
  );
}
