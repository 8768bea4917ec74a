/**
 * The global push-to-talk hotkey: main listens for the key combination while Omnidesk is in the background
 * (main/app/globalPushToTalk.ts) and tells the window when it goes down and up, or that it was pressed; the window
 * talks as it does for its own key. How main can listen depends on the system, so it says which way it does.
 */
import { z } from 'zod';

/**
 * `down` and `up` of a held hotkey (the key hook); `toggle` for each press of a shortcut that cannot be held
 * (globalShortcut): the window, which knows whether it is listening, decides whether that press starts or sends.
 */
export const HotkeyPress = z.strictObject({ state: z.enum(['down', 'up', 'toggle']) });
export type HotkeyPress = z.infer<typeof HotkeyPress>;

export const HotkeyStatus = z.strictObject({
  /**
   * off: no global hotkey set. hold: a key hook sees press and release, so holding talks. toggle: only the press
   * is seen (Electron's globalShortcut), so one press starts and the next sends. unavailable: nothing listens.
   */
  mode: z.enum(['off', 'hold', 'toggle', 'unavailable']),
  /** Why it is not `hold`, and what the user can do about it. */
  detail: z.string().max(1000).optional(),
});
export type HotkeyStatus = z.infer<typeof HotkeyStatus>;

export const pushToTalkChannels = {
  'pushToTalk.status': { request: z.strictObject({}), response: HotkeyStatus },
} as const;

export const pushToTalkEvents = {
  'pushToTalk.hotkey': HotkeyPress,
  'pushToTalk.status': HotkeyStatus,
} as const;
