import { useEffect, useState, type ClipboardEvent, type DragEvent, type FormEvent, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { useStores } from '../stores/context';
import { DEFAULT_PUSH_TO_TALK_KEY, typesText } from '../stores/voiceKeys';
import { AttachmentTray } from './AttachmentTray';
import { CameraPanel } from './CameraPanel';
import { ComposerTools } from './ComposerTools';
import { SendIcon, StopIcon } from './icons';
import { PushToTalkButton, usePushToTalkKeys } from './PushToTalkButton';
import { keyLabel } from './settings/keys';
import { VoiceStatus } from './VoiceStatus';

const hasFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');

export function Composer() {
  const { conversation, voice, attachments, settings } = useStores();
  const talkKey = useStore(settings, (s) => s.data.value?.settings.pushToTalk.key) ?? DEFAULT_PUSH_TO_TALK_KEY;
  const activeTurnId = useStore(conversation, (s) => s.activeTurnId);
  const playing = useStore(voice, (s) => s.playing);
  const notice = useStore(voice, (s) => s.notice);
  const attached = useStore(attachments, (s) => s.items.length > 0);
  const [draft, setDraft] = useState('');
  const [camera, setCamera] = useState(false);
  const [dropping, setDropping] = useState(false);
  usePushToTalkKeys(talkKey);
  useEffect(() => {
    const idle = requestIdleCallback(() => voice.getState().prepare());
    return () => cancelIdleCallback(idle);
  }, [voice]);
  const canSend = (draft.trim().length > 0 || attached) && !activeTurnId;

  const submit = () => {
    if (!canSend) return;
    void voice.getState().sendText(draft);
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
  const onPaste = (event: ClipboardEvent) => {
    const files = [...event.clipboardData.files];
    if (files.length === 0) return;
    event.preventDefault();
    void attachments.getState().addFiles(files);
  };
  const onDrop = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    setDropping(false);
    void attachments.getState().addFiles([...event.dataTransfer.files]);
  };
  const onDragOver = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    setDropping(true);
  };

  return (
    <form aria-label="Compose" onSubmit={onSubmit} onPaste={onPaste} onDrop={onDrop} onDragOver={onDragOver} onDragLeave={() => setDropping(false)} className="px-8 pt-2 pb-5">
      <div
        className={`mx-auto max-w-3xl rounded-2xl border bg-white p-2 shadow-sm focus-within:border-accent-500 dark:bg-zinc-900 ${
          dropping ? 'border-accent-500 ring-2 ring-accent-500/30' : 'border-zinc-200 dark:border-zinc-700'
        }`}
      >
        {camera && <CameraPanel onClose={() => setCamera(false)} />}
        <AttachmentTray />
        <label htmlFor="composer-input" className="sr-only">
          Message
        </label>
        <textarea
          id="composer-input"
          rows={1}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
          placeholder="Message Omnidesk, or paste or drop an image, sound or video"
          className="max-h-40 min-h-9 w-full resize-none bg-transparent px-2 py-1.5 text-sm [field-sizing:content] placeholder:text-zinc-400 focus:outline-none"
        />
        <div className="flex items-center gap-2">
          <ComposerTools camera={camera} onCamera={() => setCamera((open) => !open)} />
          <div className="min-w-0 flex-1">
            <VoiceStatus />
          </div>
          <PushToTalkButton />
          {activeTurnId || playing ? (
            <button type="button" className="btn btn-quiet" onClick={() => void voice.getState().stop()}>
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
      </div>
      {notice && (
        <div role="alert" className="mx-auto mt-2 flex max-w-3xl items-start gap-2 px-2 text-xs text-amber-700 dark:text-amber-300">
          <p className="min-w-0">
            {notice.message}
            {notice.hint && <span className="block text-amber-700/80 dark:text-amber-300/80">{notice.hint}</span>}
          </p>
          <button type="button" className="underline" onClick={() => voice.getState().dismissNotice()}>
            Dismiss
          </button>
        </div>
      )}
      <p id="push-to-talk-hint" className="mx-auto mt-1.5 max-w-3xl px-2 text-xs text-zinc-400 dark:text-zinc-500">
        Enter to send · Shift+Enter for a new line · Hold {keyLabel(talkKey)}
        {typesText(talkKey) ? ' (outside the text box)' : ''} or the talk button to speak
      </p>
    </form>
  );
}
