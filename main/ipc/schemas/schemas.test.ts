import { describe, expect, it } from 'vitest';
import { VARIANTS } from '../../models/catalog/schema';
import { MediaPath } from './conversations';
import { ModelVariant } from './models';
import { Accelerator, mergeSettings, SettingsPatch } from './settings';

describe('IPC payload schemas', () => {
  it('offer exactly the catalog’s buildable variants', () => {
    expect(ModelVariant.options).toEqual([...VARIANTS]);
  });

  it('accept only media paths the store writes, never one that leaves the media folder', () => {
    const ok = ['c1/t1/0-image.png', 'c1/t1/1-frames/0000.jpg', 'c1/t1/speech.wav'];
    const bad = ['../t1/x.png', 'c1/../../x.png', 'c1/t1/x', '/c1/t1/x.png', 'c1\\t1\\x.png', 'c1/t1/a/b/c.png', 'c1/t1/.png'];
    expect(ok.map((p) => MediaPath.safeParse(p).success)).toEqual([true, true, true]);
    expect(bad.filter((p) => MediaPath.safeParse(p).success)).toEqual([]);
  });

  it('accept a global hotkey only with a modifier', () => {
    const tries = ['CommandOrControl+Shift+Space', 'Alt+F9', 'Control+Alt+Shift+T', 'Space', 'Shift+', 'Ctrl+Space', 'Shift+Shift+Shift+Shift+A'];
    expect(tries.map((t) => Accelerator.safeParse(t).success)).toEqual([true, true, true, false, false, false, false]);
  });

  it('take a settings change as given, adding no defaults for what it leaves out', () => {
    expect(SettingsPatch.parse({ voice: { speak: false } })).toEqual({ voice: { speak: false } });
    expect(SettingsPatch.safeParse({ voice: { volume: 3 } }).success).toBe(false);
  });
});

describe('mergeSettings', () => {
  it('merges sections field by field and replaces plain values, for settings and patches alike', () => {
    expect(mergeSettings({ voice: { speak: true }, theme: 'dark' }, { voice: { speaker: 'Aiden' }, systemPrompt: '' })).toEqual({
      voice: { speak: true, speaker: 'Aiden' },
      theme: 'dark',
      systemPrompt: '',
    });
    expect(mergeSettings({ devices: { input: 'mic' } }, { devices: { input: null } })).toEqual({ devices: { input: null } });
  });
});
