/**
 * The `POST /chat/completions` body for a turn. Always streamed; speech is asked for as OpenAI does
 * (`modalities` and `audio: {voice, format: 'pcm16'}`), and the voice is also sent as the top-level `speaker`
 * that vLLM-Omni reads instead of `audio.voice` (see fixtures/vllm-omni/README.md); servers that do not know the
 * field ignore it. Sampling maps onto OpenAI's names plus vLLM's `top_k` and `repetition_penalty` extensions;
 * greedy decoding is temperature 0. `maxSpeechFrames` goes as `omnidesk serve`'s `max_audio_frames` extension
 * (OpenAI's API has no such cap; other servers ignore it).
 */
import type { RemoteChatSendRequest } from '../protocol';
import type { ChatMessage } from './messages';

export function chatRequestBody(request: RemoteChatSendRequest, messages: ChatMessage[]): Record<string, unknown> {
  const { speak, speaker } = request;
  return {
    model: request.remote.model,
    messages,
    stream: true,
    modalities: speak ? ['text', 'audio'] : ['text'],
    ...(speak && { audio: { ...(speaker && { voice: speaker }), format: 'pcm16' } }),
    ...(speak && speaker && { speaker }),
    ...(speak && request.maxSpeechFrames !== undefined && { max_audio_frames: request.maxSpeechFrames }),
    ...sampling(request.sampling ?? {}),
  };
}

function sampling(settings: NonNullable<RemoteChatSendRequest['sampling']>): Record<string, number> {
  const { doSample, temperature, topK, topP, repetitionPenalty, maxNewTokens } = settings;
  return {
    ...(doSample === false
      ? { temperature: 0 }
      : {
          ...(temperature !== undefined && { temperature }),
          ...(topP !== undefined && { top_p: topP }),
          // Our 0 means no top-k step; vLLM spells that −1 (older versions refuse 0).
          ...(topK !== undefined && { top_k: topK === 0 ? -1 : topK }),
        }),
    ...(repetitionPenalty !== undefined && { repetition_penalty: repetitionPenalty }),
    ...(maxNewTokens !== undefined && { max_tokens: maxNewTokens }),
  };
}
