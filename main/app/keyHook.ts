/**
 * The native key hook behind a held global push-to-talk: uiohook-napi, an optional dependency loaded only when the
 * user turns the hotkey on (a global key hook is a privacy matter, so nothing hooks by default). Where it cannot
 * work, the caller falls back to Electron's globalShortcut, which sees presses only, and says why:
 *  - Wayland: the compositor gives no application the keys of other windows.
 *  - macOS: reading them needs the Accessibility (Input Monitoring) permission, which the user grants.
 *  - the package missing or its binary failing to load.
 * Windows and X11 work as they are.
 */
import { createRequire } from 'node:module';
import type { KeyEventLike, KeyTable } from './keyChord';

type KeyListener = (event: KeyEventLike) => void;

export interface KeyHook {
  on(event: 'keydown' | 'keyup', listener: KeyListener): unknown;
  removeListener(event: 'keydown' | 'keyup', listener: KeyListener): unknown;
  start(): void;
  stop(): void;
}

export type HookLoad = { hook: KeyHook; keys: KeyTable } | { unavailable: string };

export interface HookSystem {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** macOS: whether this app may read global keys, asking the user first when `prompt`. */
  trusted(prompt: boolean): boolean;
  /** The uiohook-napi module. */
  load(): unknown;
}

export const requireUiohook = () => createRequire(import.meta.url)('uiohook-napi') as unknown;

/** The hook, or why there is none; `prompt` lets macOS ask for the permission (only when the user asked for the hotkey). */
export function loadKeyHook(system: HookSystem, prompt: boolean): HookLoad {
  if (system.platform === 'linux' && (system.env.XDG_SESSION_TYPE === 'wayland' || system.env.WAYLAND_DISPLAY)) {
    return { unavailable: 'Wayland does not let applications read keys typed into other windows.' };
  }
  if (system.platform === 'darwin' && !system.trusted(prompt)) {
    return {
      unavailable:
        'macOS has not allowed Omnidesk to read keys: allow it under System Settings → Privacy & Security → Accessibility (and Input Monitoring), then set the hotkey again.',
    };
  }
  try {
    const { uIOhook, UiohookKey } = system.load() as { uIOhook?: KeyHook; UiohookKey?: KeyTable };
    if (!uIOhook || !UiohookKey) return { unavailable: 'The key hook (uiohook-napi) has an unexpected shape.' };
    return { hook: uIOhook, keys: UiohookKey };
  } catch (error) {
    return { unavailable: `The key hook (uiohook-napi) could not be loaded: ${error instanceof Error ? error.message : String(error)}` };
  }
}
