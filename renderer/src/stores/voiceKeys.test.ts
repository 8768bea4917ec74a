import { describe, expect, it } from 'vitest';
import { isPushToTalkEvent, PUSH_TO_TALK_ATTRIBUTE, typesText } from './voiceKeys';

const element = (tagName: string, attributes: Record<string, string> = {}, isContentEditable = false) => ({
  tagName,
  isContentEditable,
  getAttribute: (name: string) => attributes[name] ?? null,
});
const key = (code: string, target: unknown = element('BODY'), modifiers: Partial<Record<'altKey' | 'ctrlKey' | 'metaKey', boolean>> = {}) => ({
  code,
  target,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  ...modifiers,
});

describe('push-to-talk keys', () => {
  it('is Space by default, on the page or on the push-to-talk button', () => {
    expect(isPushToTalkEvent(key('Space'))).toBe(true);
    expect(isPushToTalkEvent(key('Space', element('BUTTON', { [PUSH_TO_TALK_ATTRIBUTE]: '' })))).toBe(true);
    expect(isPushToTalkEvent(key('Space', element('DIV', { role: 'log' })))).toBe(true);
    expect(isPushToTalkEvent(key('KeyT'))).toBe(false);
  });

  it('leaves Space to a text field, a checkbox, a button or a link that has focus', () => {
    for (const target of [element('TEXTAREA'), element('INPUT'), element('SELECT'), element('DIV', {}, true), element('BUTTON'), element('A'), element('DIV', { role: 'switch' })]) {
      expect(isPushToTalkEvent(key('Space', target))).toBe(false);
    }
  });

  it('lets a key that neither types nor activates work wherever focus is', () => {
    expect(isPushToTalkEvent(key('F8', element('TEXTAREA')), 'F8')).toBe(true);
    expect(isPushToTalkEvent(key('AltRight', element('BUTTON'), { altKey: true }), 'AltRight')).toBe(true);
    expect(isPushToTalkEvent(key('AltRight', element('BODY'), { altKey: true, ctrlKey: true }), 'AltRight')).toBe(false);
    expect(isPushToTalkEvent(key('KeyT', element('BUTTON')), 'KeyT')).toBe(true);
    expect(isPushToTalkEvent(key('KeyT', element('INPUT')), 'KeyT')).toBe(false);
  });

  it('ignores the key with Ctrl, Alt or Meta held: those are shortcuts', () => {
    expect(isPushToTalkEvent(key('Space', element('BODY'), { ctrlKey: true }))).toBe(false);
    expect(isPushToTalkEvent(key('Space', element('BODY'), { altKey: true }))).toBe(false);
    expect(isPushToTalkEvent(key('Space', element('BODY'), { metaKey: true }))).toBe(false);
  });

  it('knows which keys type text', () => {
    expect(['Space', 'KeyT', 'Digit4', 'Slash', 'Enter'].map(typesText)).toEqual([true, true, true, true, true]);
    expect(['F8', 'AltRight', 'Pause', 'ArrowUp'].map(typesText)).toEqual([false, false, false, false]);
  });

  it('treats a key event without an element target (the window itself) as push-to-talk', () => {
    expect(isPushToTalkEvent(key('Space', null))).toBe(true);
  });
});
