/**
 * Push-to-talk while Omnidesk is in the background. With the native key hook, holding the combination talks and
 * letting go sends, exactly as the key in the window does. Without it (see keyHook.ts), Electron's globalShortcut
 * registers the combination and each press toggles: the window hears `toggle`, and starts talking or sends. The combination comes from the settings, off unless the user sets one; setting
 * another, turning it off or quitting releases the hook or the shortcut at once.
 */
import type { GlobalShortcut } from 'electron';
import type { HotkeyPress, HotkeyStatus } from '../ipc/contract';
import { chordOf, pressesChord, releasesChord, type KeyEventLike, type KeyTable } from './keyChord';
import type { HookLoad, KeyHook } from './keyHook';

export interface GlobalPushToTalkDeps {
  /** Loads the key hook, or says why there is none; `prompt` may ask the user for the permission it needs. */
  loadHook(prompt: boolean): HookLoad;
  globalShortcut: Pick<GlobalShortcut, 'register' | 'unregister'>;
  mac: boolean;
  /** To the window. */
  press(state: HotkeyPress['state']): void;
  status(status: HotkeyStatus): void;
}

interface Listening {
  accelerator: string;
  stop(): void;
}

const TOGGLE_NOTE = 'Press the hotkey once to start talking and again to send.';

export class GlobalPushToTalk {
  private listening?: Listening;
  private current: HotkeyStatus = { mode: 'off' };
  private applied = false;

  constructor(private readonly deps: GlobalPushToTalkDeps) {}

  get status(): HotkeyStatus {
    return this.current;
  }

  /** Listens for `accelerator` (null: for nothing). The first call is the app's start; later ones are the user's. */
  apply(accelerator: string | null): void {
    const prompt = this.applied;
    this.applied = true;
    if (accelerator === (this.listening?.accelerator ?? null) && this.current.mode !== 'unavailable') return;
    this.release();
    if (!accelerator) return this.report({ mode: 'off' });
    const loaded = this.deps.loadHook(prompt);
    const why = 'unavailable' in loaded ? loaded.unavailable : this.hold(accelerator, loaded.hook, loaded.keys);
    if (why === undefined) return this.report({ mode: 'hold' });
    this.report(this.toggle(accelerator) ? { mode: 'toggle', detail: `${why} ${TOGGLE_NOTE}` } : { mode: 'unavailable', detail: `${why} The shortcut ${accelerator} is also taken by the system or another app: choose another.` });
  }

  /** App quit: nothing stays hooked or registered. */
  dispose(): void {
    this.release();
  }

  /** Hooks the chord; returns why it cannot, or undefined once it listens. The hook runs only while it is used. */
  private hold(accelerator: string, hook: KeyHook, keys: KeyTable): string | undefined {
    let chord;
    try {
      chord = chordOf(accelerator, keys, this.deps.mac);
      hook.start();
    } catch (error) {
      return `The key hook could not start: ${error instanceof Error ? error.message : String(error)}.`;
    }
    let held = false;
    // Key repeat sends more key-downs while the chord is held; one hold is one turn.
    const down = (event: KeyEventLike) => {
      if (held || !pressesChord(event, chord)) return;
      held = true;
      this.deps.press('down');
    };
    const up = (event: KeyEventLike) => {
      if (!held || !releasesChord(event, chord)) return;
      held = false;
      this.deps.press('up');
    };
    hook.on('keydown', down);
    hook.on('keyup', up);
    this.listening = {
      accelerator,
      stop: () => {
        hook.removeListener('keydown', down);
        hook.removeListener('keyup', up);
        hook.stop();
        // A hold cut short by a settings change still ends its turn.
        if (held) this.deps.press('up');
      },
    };
    return undefined;
  }

  /**
   * Each press is a `toggle`, not alternately down and up: only the window knows whether it still listens (an
   * utterance stops itself at its maximum length), so counting presses here would get one press out of step.
   */
  private toggle(accelerator: string): boolean {
    const registered = this.deps.globalShortcut.register(accelerator, () => this.deps.press('toggle'));
    if (!registered) return false;
    this.listening = {
      accelerator,
      stop: () => {
        this.deps.globalShortcut.unregister(accelerator);
        // Sends an utterance the shortcut started, if one is still going (the window ignores it otherwise).
        this.deps.press('up');
      },
    };
    return true;
  }

  private release(): void {
    this.listening?.stop();
    this.listening = undefined;
  }

  private report(status: HotkeyStatus): void {
    this.current = status;
    this.deps.status(status);
  }
}
