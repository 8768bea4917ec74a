import { memo } from 'react';
import { useStore } from 'zustand';
import { CAPTURE_RATE, SPEECH_RATE } from '../audio/messages';
import { formatSeconds } from '../format';
import { useStores } from '../stores/context';
import type { Message } from '../stores/conversation';
import { modelOpening } from '../stores/engine';
import { questionClip } from '../stores/voice';
import { AttachmentThumb, clipLength } from './AttachmentThumb';
import { ErrorCallout } from './ErrorCallout';
import { MicIcon, PlayIcon, StopIcon } from './icons';
import { ModelLoadingNote } from './ModelLoadingNote';

type UserMessage = Extract<Message, { role: 'user' }>;
type AssistantMessage = Extract<Message, { role: 'assistant' }>;

/** Plays a saved recording again, or stops it while it plays. */
function ReplayButton({ clip, label, stopLabel, seconds, onPlay }: { clip: string; label: string; stopLabel: string; seconds: string; onPlay: () => void }) {
  const voice = useStores().voice;
  const playing = useStore(voice, (s) => s.playing?.turnId === clip);
  return playing ? (
    <button type="button" className="btn btn-quiet py-1" onClick={() => void voice.getState().stop()}>
      <StopIcon className="size-3.5" />
      {stopLabel}
    </button>
  ) : (
    <button type="button" className="btn btn-quiet py-1" onClick={onPlay}>
      <PlayIcon className="size-3.5" />
      {label}
      <span className="font-normal text-zinc-500 dark:text-zinc-400">{seconds}</span>
    </button>
  );
}

function UserTurn({ message }: { message: UserMessage }) {
  const voice = useStores().voice;
  return (
    <article aria-label="You" className="flex flex-col items-end gap-2">
      {message.attachments && (
        <ul aria-label="Attached" className="flex max-w-[80%] flex-wrap justify-end gap-2">
          {message.attachments.map((attachment, index) => (
            <li key={index} className="flex flex-col items-end gap-1 text-xs text-zinc-500 dark:text-zinc-400">
              <AttachmentThumb attachment={attachment} className="size-28" />
              {clipLength(attachment)}
            </li>
          ))}
        </ul>
      )}
      {message.voiceSamples !== undefined && (
        <div className="flex items-center gap-2 text-xs text-zinc-500 dark:text-zinc-400">
          {message.speech && (
            <ReplayButton
              clip={questionClip(message.turnId)}
              label="Play question"
              stopLabel="Stop playing"
              seconds={formatSeconds(message.speech.samples, CAPTURE_RATE)}
              onPlay={() => void voice.getState().replay(message.turnId, 'user')}
            />
          )}
          <p className="flex items-center gap-1.5 rounded-full bg-accent-600/10 px-3 py-1 font-medium text-accent-700 dark:bg-accent-400/15 dark:text-accent-300">
            <MicIcon className="size-3.5" />
            Voice message · {formatSeconds(message.voiceSamples, CAPTURE_RATE)}
          </p>
        </div>
      )}
      {message.text && (
        <p className="max-w-[80%] rounded-2xl rounded-br-md bg-accent-600 px-4 py-2.5 text-sm whitespace-pre-wrap text-white select-text dark:bg-accent-500 dark:text-zinc-950">
          {message.text}
        </p>
      )}
    </article>
  );
}

/** Play again or stop a spoken reply, and say how much of it was heard when it was cut short. */
function SpeechControls({ message }: { message: AssistantMessage }) {
  const voice = useStores().voice;
  const kept = useStore(voice, (s) => s.speech[message.turnId] ?? message.speech?.samples ?? 0);
  const playing = useStore(voice, (s) => s.playing?.turnId === message.turnId);
  if (!kept && !playing && message.heardSamples === undefined) return null;
  return (
    <div className="flex items-center gap-3 text-xs text-zinc-500 dark:text-zinc-400">
      {(playing || kept > 0) && (
        <ReplayButton
          clip={message.turnId}
          label="Play reply"
          stopLabel="Stop speaking"
          seconds={formatSeconds(kept, SPEECH_RATE)}
          onPlay={() => void voice.getState().replay(message.turnId)}
        />
      )}
      {message.heardSamples !== undefined && <p>Speech stopped after {formatSeconds(message.heardSamples, SPEECH_RATE)}.</p>}
    </div>
  );
}

function AssistantTurn({ message }: { message: AssistantMessage }) {
  const { navigation, engine } = useStores();
  const show = navigation.getState().show;
  const stopping = message.stopping && (message.status === 'waiting' || message.status === 'streaming');
  const waiting = message.status === 'waiting' && !stopping;
  const engineModel = useStore(engine, (s) => s.status?.model);
  // An open in the engine holds up everything it does, this turn too (even before the engine has taken it), and
  // the engine knows best since when; the turn's own `loading` covers the moments its report is not there yet.
  const loading = waiting ? (modelOpening(engineModel) ?? message.loading) : undefined;
  return (
    <article aria-label="Omnidesk" aria-busy={message.status === 'waiting' || message.status === 'streaming'} className="flex gap-3">
      <span className="mt-1 size-6 shrink-0 rounded-lg bg-gradient-to-br from-accent-400 to-accent-700" aria-hidden="true" />
      <div className="min-w-0 flex-1 space-y-2 text-sm">
        {loading && <ModelLoadingNote loading={loading} />}
        {waiting && !loading && <p className="pt-1.5 text-zinc-500 dark:text-zinc-400">Thinking…</p>}
        {message.text && <p className="pt-1 whitespace-pre-wrap select-text">{message.text}</p>}
        {stopping && <p className="text-xs text-zinc-500 dark:text-zinc-400">Stopping…</p>}
        {message.status === 'interrupted' && <p className="text-xs text-zinc-500 dark:text-zinc-400">Stopped.</p>}
        <SpeechControls message={message} />
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

/**
 * Memoised: messages are immutable, so while a reply streams only its own item renders again, not the whole
 * conversation once per text delta.
 */
export const MessageItem = memo(function MessageItem({ message }: { message: Message }) {
  return message.role === 'user' ? <UserTurn message={message} /> : <AssistantTurn message={message} />;
});
