import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { HotkeyStatus } from '../ipc/contract';
import { GlobalPushToTalk } from './globalPushToTalk';
import { chordOf, type KeyEventLike } from './keyChord';
import { loadKeyHook, type HookSystem } from './keyHook';

/** The codes of uiohook-napi's UiohookKey table that these tests press. */
const KEYS = { Space: 57, K: 37, F8: 66, ArrowUp: 57416, Ctrl: 29, CtrlRight: 3613, Alt: 56, AltRight: 3640, Shift: 42, ShiftRight: 54, Meta: 3675, MetaRight: 3676 };
const NONE = { ctrlKey: false, altKey: false, shiftKey: false, metaKey: false };

class FakeHook extends EventEmitter {
  start = vi.fn();
  stop = vi.fn();
  key(type: 'keydown' | 'keyup', keycode: number, modifiers: Partial<typeof NONE> = {}) {
    this.emit(type, { keycode, ...NONE, ...modifiers } satisfies KeyEventLike);
  }
}

function setup({ hook = new FakeHook() as FakeHook | string, registers = true, mac = false } = {}) {
  const presses: string[] = [];
  const statuses: HotkeyStatus[] = [];
  const shortcuts = new Map<string, () => void>();
  const globalShortcut = {
    register: vi.fn((accelerator: string, callback: () => void) => registers && !!shortcuts.set(accelerator, callback)),
    unregister: vi.fn((accelerator: string) => void shortcuts.delete(accelerator)),
  };
  const loadHook = vi.fn((_prompt: boolean) => (typeof hook === 'string' ? { unavailable: hook } : { hook, keys: KEYS }));
  const ptt = new GlobalPushToTalk({ loadHook, globalShortcut, mac, press: (state) => presses.push(state), status: (status) => statuses.push(status) });
  return { ptt, hook: hook as FakeHook, presses, statuses, globalShortcut, shortcuts, loadHook };
}

describe('the global hotkey as a key chord', () => {
  it('reads an accelerator with the hook’s key codes, CommandOrControl as Ctrl or ⌘', () => {
    expect(chordOf('CommandOrControl+Shift+Space', KEYS, false)).toMatchObject({ key: 57, modifiers: { ...NONE, ctrlKey: true, shiftKey: true } });
    expect(chordOf('CommandOrControl+Shift+Space', KEYS, true)).toMatchObject({ key: 57, modifiers: { ...NONE, metaKey: true, shiftKey: true } });
    expect(chordOf('Alt+Up', KEYS, false)).toMatchObject({ key: 57416, modifiers: { ...NONE, altKey: true } });
    expect(chordOf('Control+Super+F8', KEYS, false)).toMatchObject({ key: 66, modifiers: { ...NONE, ctrlKey: true, metaKey: true } });
    expect(() => chordOf('Alt+Q', KEYS, false)).toThrow('pushToTalk.globalHotkey: the key "Q" of "Alt+Q" has no code in the key hook');
  });
});

describe('loading the key hook', () => {
  const system = (over: Partial<HookSystem> = {}): HookSystem => ({ platform: 'win32', env: {}, trusted: () => true, load: () => ({ uIOhook: new FakeHook(), UiohookKey: KEYS }), ...over });

  it('works on Windows and on X11', () => {
    expect(loadKeyHook(system(), false)).toMatchObject({ keys: KEYS });
    expect(loadKeyHook(system({ platform: 'linux', env: { XDG_SESSION_TYPE: 'x11', DISPLAY: ':0' } }), false)).toMatchObject({ keys: KEYS });
  });

  it('is unavailable on Wayland, without loading anything', () => {
    const load = vi.fn();
    expect(loadKeyHook(system({ platform: 'linux', env: { XDG_SESSION_TYPE: 'wayland' }, load }), false)).toEqual({ unavailable: 'Wayland does not let applications read keys typed into other windows.' });
    expect(loadKeyHook(system({ platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0' }, load }), false)).toHaveProperty('unavailable');
    expect(load).not.toHaveBeenCalled();
  });

  it('on macOS asks for the Accessibility permission only when told to, and is unavailable without it', () => {
    const trusted = vi.fn(() => false);
    expect(loadKeyHook(system({ platform: 'darwin', trusted }), true)).toEqual({ unavailable: expect.stringContaining('Privacy & Security → Accessibility') });
    expect(trusted).toHaveBeenCalledWith(true);
  });

  it('says why when the package or its binary cannot be loaded', () => {
    const load = () => {
      throw new Error("Cannot find module 'uiohook-napi'");
    };
    expect(loadKeyHook(system({ load }), false)).toEqual({ unavailable: "The key hook (uiohook-napi) could not be loaded: Cannot find module 'uiohook-napi'" });
  });
});

describe('global push-to-talk', () => {
  it('is off by default: nothing hooked, nothing registered', () => {
    const { ptt, loadHook, globalShortcut } = setup();
    ptt.apply(null);
    expect([ptt.status, loadHook.mock.calls.length, globalShortcut.register.mock.calls.length]).toEqual([{ mode: 'off' }, 0, 0]);
  });

  it('with the hook: holding the chord is down, letting go is up, key repeat and other chords are nothing', () => {
    const { ptt, hook, presses, statuses } = setup();
    ptt.apply('CommandOrControl+Shift+Space');
    expect(statuses).toEqual([{ mode: 'hold' }]);
    expect(hook.start).toHaveBeenCalledOnce();
    hook.key('keydown', KEYS.Space, { ctrlKey: true });
    hook.key('keydown', KEYS.Space, { ctrlKey: true, shiftKey: true, altKey: true });
    hook.key('keydown', KEYS.Space);
    expect(presses).toEqual([]);
    hook.key('keydown', KEYS.Space, { ctrlKey: true, shiftKey: true });
    hook.key('keydown', KEYS.Space, { ctrlKey: true, shiftKey: true });
    hook.key('keyup', KEYS.K, { ctrlKey: true, shiftKey: true });
    expect(presses).toEqual(['down']);
    hook.key('keyup', KEYS.Space, { ctrlKey: true, shiftKey: true });
    hook.key('keyup', KEYS.Space);
    expect(presses).toEqual(['down', 'up']);
  });

  it('ends a hold when a modifier of the chord is let go first', () => {
    const { ptt, hook, presses } = setup();
    ptt.apply('Alt+F8');
    hook.key('keydown', KEYS.F8, { altKey: true });
    hook.key('keyup', KEYS.AltRight);
    expect(presses).toEqual(['down', 'up']);
  });

  it('falls back to a toggle through globalShortcut where there is no hook, and says why', () => {
    const { ptt, presses, statuses, shortcuts } = setup({ hook: 'Wayland does not let applications read keys typed into other windows.' });
    ptt.apply('CommandOrControl+Shift+Space');
    expect(statuses).toEqual([
      { mode: 'toggle', detail: 'Wayland does not let applications read keys typed into other windows. Press the hotkey once to start talking and again to send.' },
    ]);
    const press = shortcuts.get('CommandOrControl+Shift+Space')!;
    press();
    press();
    press();
    expect(presses).toEqual(['toggle', 'toggle', 'toggle']);
  });

  it('falls back to the toggle when the hook fails to start', () => {
    const { ptt, hook, statuses } = setup();
    hook.start.mockImplementation(() => {
      throw new Error('Accessibility API is disabled');
    });
    ptt.apply('Alt+F8');
    expect(statuses).toEqual([{ mode: 'toggle', detail: 'The key hook could not start: Accessibility API is disabled. Press the hotkey once to start talking and again to send.' }]);
  });

  it('is unavailable when the shortcut is taken too, naming it', () => {
    const { ptt, statuses } = setup({ hook: 'No hook.', registers: false });
    ptt.apply('Alt+F8');
    expect(statuses).toEqual([{ mode: 'unavailable', detail: 'No hook. The shortcut Alt+F8 is also taken by the system or another app: choose another.' }]);
  });

  it('lets go of the hook on a new chord, on off and on quit, ending a hold in progress', () => {
    const { ptt, hook, presses, statuses } = setup();
    ptt.apply('Alt+F8');
    hook.key('keydown', KEYS.F8, { altKey: true });
    ptt.apply('Control+K');
    expect([presses, hook.stop.mock.calls.length, hook.listenerCount('keydown')]).toEqual([['down', 'up'], 1, 1]);
    hook.key('keydown', KEYS.F8, { altKey: true });
    expect(presses).toEqual(['down', 'up']);
    ptt.apply(null);
    expect([hook.stop.mock.calls.length, hook.listenerCount('keydown'), hook.listenerCount('keyup'), statuses.at(-1)]).toEqual([2, 0, 0, { mode: 'off' }]);
    ptt.apply('Alt+F8');
    ptt.dispose();
    expect([hook.stop.mock.calls.length, hook.listenerCount('keydown')]).toEqual([3, 0]);
  });

  it('unregisters the toggle shortcut on a settings change and on quit', () => {
    const { ptt, globalShortcut, shortcuts, presses } = setup({ hook: 'No hook.' });
    ptt.apply('Alt+F8');
    shortcuts.get('Alt+F8')!();
    ptt.apply('Alt+F9');
    expect(globalShortcut.unregister).toHaveBeenCalledWith('Alt+F8');
    expect(presses).toEqual(['toggle', 'up']);
    ptt.dispose();
    expect([...shortcuts.keys()]).toEqual([]);
  });

  it('asks for the macOS permission only when the user sets the hotkey, not at the app’s start', () => {
    const { ptt, loadHook } = setup();
    ptt.apply('Alt+F8');
    ptt.apply('Alt+F9');
    expect(loadHook.mock.calls).toEqual([[false], [true]]);
  });

  it('leaves a hotkey that listens as it is when other settings change', () => {
    const { ptt, hook, statuses } = setup();
    ptt.apply('Alt+F8');
    ptt.apply('Alt+F8');
    expect([hook.start.mock.calls.length, statuses.length]).toEqual([1, 1]);
  });
});
