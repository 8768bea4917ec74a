/**
 * The global push-to-talk combination as a native key hook sees it: the settings hold an Electron accelerator
 * ("CommandOrControl+Shift+Space"); uiohook reports key codes and modifier flags. `chordOf` translates one into
 * the other, by the hook's own key table.
 */

export interface Modifiers {
  ctrlKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
}

export interface KeyEventLike extends Modifiers {
  keycode: number;
}

export interface KeyChord {
  /** The hook's code of the non-modifier key. */
  key: number;
  modifiers: Modifiers;
  /** Codes of the modifier keys (both sides): letting go of one ends a hold too. */
  modifierKeys: ReadonlySet<number>;
}

/** The part of uiohook-napi's `UiohookKey` table the accelerators use. */
export type KeyTable = Readonly<Record<string, number>>;

/** Accelerator key names that the hook's table spells differently. */
const TABLE_NAMES: Record<string, string> = { Up: 'ArrowUp', Down: 'ArrowDown', Left: 'ArrowLeft', Right: 'ArrowRight' };
const MODIFIER_KEYS = ['Ctrl', 'CtrlRight', 'Alt', 'AltRight', 'Shift', 'ShiftRight', 'Meta', 'MetaRight'];

/**
 * The chord of an accelerator whose form the settings schema already checked; `mac` reads CommandOrControl as ⌘.
 * Throws, naming the key, for a key the hook's table lacks.
 */
export function chordOf(accelerator: string, keys: KeyTable, mac: boolean): KeyChord {
  const parts = accelerator.split('+');
  const name = parts.at(-1) ?? '';
  const key = keys[TABLE_NAMES[name] ?? name];
  if (key === undefined) throw new Error(`pushToTalk.globalHotkey: the key "${name}" of "${accelerator}" has no code in the key hook`);
  const has = (modifier: string) => parts.slice(0, -1).includes(modifier);
  return {
    key,
    modifiers: {
      ctrlKey: has('Control') || (has('CommandOrControl') && !mac),
      altKey: has('Alt'),
      shiftKey: has('Shift'),
      metaKey: has('Super') || (has('CommandOrControl') && mac),
    },
    modifierKeys: new Set(MODIFIER_KEYS.map((modifier) => keys[modifier]).filter((code) => code !== undefined)),
  };
}

/** The chord's key pressed with exactly its modifiers: with one more it is another shortcut. */
export const pressesChord = (event: KeyEventLike, chord: KeyChord) =>
  event.keycode === chord.key &&
  event.ctrlKey === chord.modifiers.ctrlKey &&
  event.altKey === chord.modifiers.altKey &&
  event.shiftKey === chord.modifiers.shiftKey &&
  event.metaKey === chord.modifiers.metaKey;

/** A key going up that ends a hold of the chord: its key, or any modifier. */
export const releasesChord = (event: KeyEventLike, chord: KeyChord) => event.keycode === chord.key || chord.modifierKeys.has(event.keycode);
