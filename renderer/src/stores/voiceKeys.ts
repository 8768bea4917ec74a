/**
 * Which key presses drive push-to-talk. The key is a `KeyboardEvent.code` (layout-independent), Space unless the
 * user picks another. A key that types or activates controls is left to the focused control: Space belongs to a
 * text field, a button or a checkbox that has focus, so talking there needs the on-screen button or another key.
 * Keys that neither type nor activate (F-keys, Pause, right Alt…) work wherever focus is inside the window.
 *
 * Only while the window has focus: DOM key events stop at the window's edge. In the background the global hotkey
 * talks instead: main hooks it (main/app/globalPushToTalk.ts, with its platform limits in keyHook.ts and the
 * README) and the window follows its presses (voiceHotkey.ts). Not every limit is detectable:
 *  - Linux/Wayland: the desktop portal's GlobalShortcuts interface, where present, is press/release per shortcut,
 *    not raw keys, and is not used yet.
 *  - Windows: keys typed into an elevated (administrator) window are invisible to a non-elevated hook.
 *  - A combination claimed by the OS or another app first (e.g. Ctrl+Space for input methods) never arrives.
 */

export const DEFAULT_PUSH_TO_TALK_KEY = 'Space';

/** Marks the on-screen push-to-talk button, which lets Space through although it is a button. */
export const PUSH_TO_TALK_ATTRIBUTE = 'data-push-to-talk';

export interface KeyTarget {
  tagName?: string;
  isContentEditable?: boolean;
  getAttribute?(name: string): string | null;
}

export interface KeyEventLike {
  code: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  target: unknown;
}

const TYPING_KEY = /^(Space|Key[A-Z]|Digit\d|Numpad\d|Minus|Equal|Bracket(Left|Right)|Backslash|Semicolon|Quote|Backquote|Comma|Period|Slash|Enter)$/;
const ACTIVATION_KEY = /^(Space|Enter)$/;
const EDITABLE_TAGS = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
const CONTROL_TAGS = new Set(['BUTTON', 'A', 'SUMMARY']);
const CONTROL_ROLES = new Set(['button', 'checkbox', 'link', 'menuitem', 'option', 'radio', 'slider', 'switch', 'tab']);

/** Whether the key types into a text field, which then keeps it. */
export const typesText = (key: string) => TYPING_KEY.test(key);

/** Whether this key event is push-to-talk rather than input for the focused control. */
export function isPushToTalkEvent(event: KeyEventLike, key: string = DEFAULT_PUSH_TO_TALK_KEY): boolean {
  if (event.code !== key) return false;
  // A modifier chosen as the talk key sets its own flag; any other modifier makes the press a shortcut.
  if ((event.altKey && !key.startsWith('Alt')) || (event.ctrlKey && !key.startsWith('Control')) || (event.metaKey && !key.startsWith('Meta'))) {
    return false;
  }
  const target = (event.target ?? {}) as KeyTarget;
  if (typeof target.getAttribute?.(PUSH_TO_TALK_ATTRIBUTE) === 'string') return true;
  const tag = target.tagName ?? '';
  if ((EDITABLE_TAGS.has(tag) || target.isContentEditable) && typesText(key)) return false;
  const role = target.getAttribute?.('role') ?? '';
  if ((CONTROL_TAGS.has(tag) || CONTROL_ROLES.has(role)) && ACTIVATION_KEY.test(key)) return false;
  return true;
}
