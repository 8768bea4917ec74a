/** Test helper: a local turn request on `bundleDir` — conversation c1, turn t1, no text, greedy and 8 tokens unless overridden. */
import type { LocalChatSendRequest } from '../protocol';

export const localTurn = (bundleDir: string, overrides: Partial<LocalChatSendRequest> = {}): LocalChatSendRequest => ({
  conversationId: 'c1',
  turnId: 't1',
  text: '',
  attachments: [],
  micAudio: false,
  speak: false,
  bundleDir,
  sampling: { doSample: false, maxNewTokens: 8 },
  ...overrides,
});
