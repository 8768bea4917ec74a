/**
 * A request's messages → the chat the processor renders: media through the engine's attachment path (a video
 * becomes a file in the turn's scratch folder, removed by `dispose`), system and assistant text joined, and an
 * assistant message that only names an earlier spoken reply replaced by that reply's transcript.
 */
import { attachmentItems } from '../engine/omni/attachments';
import type { ChatMessage, ContentItem } from '../engine/processor/text/chatTemplate';
import type { RequestMessage } from './chatRequest';
import { messageKey } from './conversationPool';
import { invalidRequest } from './openaiErrors';
import type { SpokenReplies } from './spokenReplies';

export interface TurnMessages {
  messages: ChatMessage[];
  /** Per message, its digest for the conversation pool. */
  keys: string[];
  dispose: () => Promise<void>;
}

export async function turnMessages(messages: readonly RequestMessage[], replies: SpokenReplies, scratchDir: string): Promise<TurnMessages> {
  const texts = messages.map((message, index) => {
    const text = message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
    if (text || message.audioId === undefined) return text;
    const transcript = replies.transcript(message.audioId);
    if (transcript === undefined) {
      throw invalidRequest(`unknown or expired audio id "${message.audioId}": send the reply's text as content instead`, `messages.${index}.audio.id`);
    }
    return transcript;
  });
  const attachments = messages.flatMap((m) => m.content.flatMap((part) => (part.type === 'media' ? [part.attachment] : [])));
  const media = await attachmentItems(attachments, scratchDir);
  // attachmentItems keeps the order it was given: hand its items back out in the same walk.
  let next = 0;
  const chat = messages.map((message, index): ChatMessage => {
    if (message.role !== 'user') return { role: message.role, content: texts[index] };
    const content = message.content.map((part): ContentItem => (part.type === 'text' ? part : media.items[next++]));
    return { role: 'user', content };
  });
  const keys = messages.map((m, index) => messageKey(m.role, m.role === 'user' ? m.content : [{ type: 'text', text: texts[index] }]));
  return { messages: chat, keys, dispose: media.dispose };
}
