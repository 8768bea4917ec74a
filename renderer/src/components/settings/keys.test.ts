import { describe, expect, it } from 'vitest';
import { acceleratorLabel, keyLabel, toAccelerator } from './keys';

const press = (code: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({
  code,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('keys', () => {
  it('turns a key press with modifiers into an Electron accelerator, and refuses a bare key', () => {
    expect(toAccelerator(press('Space', { ctrlKey: true, shiftKey: true }))).toBe('CommandOrControl+Shift+Space');
    expect(toAccelerator(press('KeyT', { metaKey: true, altKey: true }))).toBe('CommandOrControl+Alt+T');
    expect(toAccelerator(press('F9', { altKey: true }))).toBe('Alt+F9');
    expect(toAccelerator(press('ArrowUp', { shiftKey: true }))).toBe('Shift+Up');
    expect(toAccelerator(press('Space'))).toBeUndefined();
    expect(toAccelerator(press('ShiftLeft', { shiftKey: true }))).toBeUndefined();
    expect(toAccelerator(press('Backquote', { ctrlKey: true }))).toBeUndefined();
  });

  it('names keys as they are printed on them', () => {
    expect(['Space', 'KeyT', 'Digit4', 'ArrowUp', 'AltRight', 'ControlLeft', 'F8', 'Numpad0'].map(keyLabel)).toEqual([
      'Space', 'T', '4', '↑', 'Right Alt', 'Left Ctrl', 'F8', '0',
    ]);
    expect(acceleratorLabel('CommandOrControl+Shift+Space', false)).toBe('Ctrl+Shift+Space');
    expect(acceleratorLabel('CommandOrControl+Shift+Space', true)).toBe('⌘+Shift+Space');
  });
});
