import { useEffect, type KeyboardEvent, type MouseEvent, type PointerEvent } from 'react';
import { useStore } from 'zustand';
import { useStores } from '../stores/context';
import { levelPercent } from '../stores/voice';
import { DEFAULT_PUSH_TO_TALK_KEY, isPushToTalkEvent, PUSH_TO_TALK_ATTRIBUTE } from '../stores/voiceKeys';
import { MicIcon } from './icons';

/**
 * Holding the talk key anywhere in the window talks (see voiceKeys.ts for which focus takes the key instead).
 * Leaving the window while holding ends the utterance: its key-up would never arrive.
 */
export function usePushToTalkKeys(key = DEFAULT_PUSH_TO_TALK_KEY) {
  const voice = useStores().voice;
  useEffect(() => {
    const holding = () => ['opening', 'listening'].includes(voice.getState().phase);
    const down = (event: globalThis.KeyboardEvent) => {
      if (!isPushToTalkEvent(event, key)) return;
      // Also the repeats: Space would scroll the conversation.
      event.preventDefault();
      if (!event.repeat) voice.getState().press();
    };
    const up = (event: globalThis.KeyboardEvent) => {
      if (event.code !== key || !holding()) return;
      event.preventDefault();
      voice.getState().release();
    };
    const leave = () => voice.getState().release();
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', leave);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', leave);
    };
  }, [voice, key]);
}

/** Hold to talk, with the microphone level while it listens. */
export function PushToTalkButton() {
  const voice = useStores().voice;
  const phase = useStore(voice, (s) => s.phase);
  const level = useStore(voice, (s) => levelPercent(s.level));
  const held = phase === 'opening' || phase === 'listening';
  const { press, release } = voice.getState();

  const onPointerDown = (event: PointerEvent<HTMLButtonElement>) => {
    if (event.button !== 0) return;
    // Keeps the key-up ours even when the pointer slides off the button while held.
    event.currentTarget.setPointerCapture(event.pointerId);
    press();
  };
  // Enter held on the focused button talks like Space; its default would click.
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    if (!event.repeat) press();
  };
  const onKeyUp = (event: KeyboardEvent) => event.key === 'Enter' && release();
  // A screen reader activates a button with a synthetic click and no key or pointer events: that toggles.
  const onClick = (event: MouseEvent) => {
    if (event.detail !== 0) return;
    if (held) release();
    else press();
  };

  // The meter sits beside the button, not in it: a button's content is flattened to its name for screen readers.
  return (
    <span className="relative inline-flex">
      <button
        type="button"
        {...{ [PUSH_TO_TALK_ATTRIBUTE]: '' }}
        aria-label="Push to talk"
        aria-pressed={held}
        aria-describedby="push-to-talk-hint"
        onPointerDown={onPointerDown}
        onPointerUp={release}
        onPointerCancel={release}
        onKeyDown={onKeyDown}
        onKeyUp={onKeyUp}
        onClick={onClick}
        onContextMenu={(event) => event.preventDefault()}
        className={`btn touch-none ${held ? 'bg-accent-600 text-white dark:bg-accent-500 dark:text-zinc-950' : 'btn-quiet'}`}
      >
        <MicIcon />
        {held ? 'Listening' : 'Hold to talk'}
      </button>
      {held && (
        <span
          role="meter"
          aria-label="Microphone level"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={level}
          className="pointer-events-none absolute inset-x-1 bottom-0.5 h-1 overflow-hidden rounded-full bg-white/25 dark:bg-zinc-950/25"
        >
          <span
            className="block h-full origin-left bg-white/85 transition-transform duration-75 motion-reduce:transition-none dark:bg-zinc-950/70"
            style={{ transform: `scaleX(${level / 100})` }}
          />
        </span>
      )}
    </span>
  );
}
