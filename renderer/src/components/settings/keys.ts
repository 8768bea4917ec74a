/** Key names: KeyboardEvent.code as people read it, and key presses as Electron accelerators for the global hotkey. */

/** What turning global push-to-talk on starts with: a chord no common app or system claims. */
export const DEFAULT_GLOBAL_HOTKEY = 'CommandOrControl+Shift+Space';

const ACCELERATOR_KEYS: Record<string, string> = {
  Space: 'Space',
  Tab: 'Tab',
  Backspace: 'Backspace',
  Delete: 'Delete',
  Insert: 'Insert',
  Home: 'Home',
  End: 'End',
  PageUp: 'PageUp',
  PageDown: 'PageDown',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
};

/** The key of a KeyboardEvent.code in accelerator spelling ("KeyT" → "T"), or undefined for keys it cannot name. */
function acceleratorKey(code: string): string | undefined {
  const letterOrDigit = /^(?:Key([A-Z])|Digit([0-9]))$/.exec(code);
  if (letterOrDigit) return letterOrDigit[1] ?? letterOrDigit[2];
  if (/^F(?:[1-9]|1[0-9]|2[0-4])$/.test(code)) return code;
  return ACCELERATOR_KEYS[code];
}

export interface KeyPress {
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/** "CommandOrControl+Shift+Space" from a key press with at least one modifier; undefined otherwise. */
export function toAccelerator(press: KeyPress): string | undefined {
  const key = acceleratorKey(press.code);
  const modifiers = [press.ctrlKey || press.metaKey ? 'CommandOrControl' : '', press.altKey ? 'Alt' : '', press.shiftKey ? 'Shift' : ''].filter(Boolean);
  return key && modifiers.length > 0 ? [...modifiers, key].join('+') : undefined;
}

const ARROWS: Record<string, string> = { ArrowUp: '↑', ArrowDown: '↓', ArrowLeft: '←', ArrowRight: '→' };

/** "KeyT" → "T", "Digit4" → "4", "ArrowUp" → "↑", "AltRight" → "Right Alt"; other codes as they are. */
export function keyLabel(code: string): string {
  const side = /^(Alt|Control|Shift|Meta)(Left|Right)$/.exec(code);
  if (side) return `${side[2]} ${side[1] === 'Control' ? 'Ctrl' : side[1]}`;
  return ARROWS[code] ?? /^(?:Key|Digit|Numpad)(.+)$/.exec(code)?.[1] ?? code;
}

/** "CommandOrControl+Shift+Space" → "Ctrl+Shift+Space" (or ⌘ on macOS). */
export const acceleratorLabel = (accelerator: string, mac: boolean) => accelerator.replace('CommandOrControl', mac ? '⌘' : 'Ctrl');
