import { useStore } from 'zustand';
import { useStores } from '../stores/context';
import { modelOpening } from '../stores/engine';
import { voiceStatus, type VoiceStatus as Status } from '../stores/voice';

const LOOK: Record<Status, { label: string; dot: string }> = {
  idle: { label: '', dot: '' },
  listening: { label: 'Listening…', dot: 'bg-red-500 animate-pulse' },
  loading: { label: 'Loading the model…', dot: 'bg-sky-500 animate-pulse' },
  thinking: { label: 'Thinking…', dot: 'bg-sky-500 animate-pulse' },
  speaking: { label: 'Speaking…', dot: 'bg-accent-500 animate-pulse' },
  playingQuestion: { label: 'Playing your question…', dot: 'bg-zinc-400 animate-pulse' },
};

/** Listening, loading the model, thinking, speaking or playing back the user's question: announced politely to screen readers as it changes. */
export function VoiceStatus() {
  const { voice, conversation, engine } = useStores();
  const phase = useStore(voice, (s) => s.phase);
  const playing = useStore(voice, (s) => s.playing);
  const engineOpening = useStore(engine, (s) => modelOpening(s.status?.model) !== undefined);
  const look = LOOK[useStore(conversation, (s) => voiceStatus({ phase, playing }, s, engineOpening))];
  return (
    <p role="status" aria-label="Voice" className="flex min-w-0 items-center gap-1.5 text-xs text-zinc-500 dark:text-zinc-400">
      {look.label && <span className={`size-1.5 shrink-0 rounded-full motion-reduce:animate-none ${look.dot}`} aria-hidden="true" />}
      {look.label}
    </p>
  );
}
