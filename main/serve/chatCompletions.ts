/**
 * `POST /v1/chat/completions`: the request validated, a place in the queue, the turn on the model, and the reply
 * either whole (`chat.completion`) or streamed (`chat.completion.chunk`s over SSE).
 *
 * Streaming follows OpenAI's audio models: text deltas in `delta.content` and, for a spoken reply, also as
 * `delta.audio.transcript`; speech as `delta.audio.data` (base64 pcm16, 24 kHz mono) as the vocoder produces it;
 * the last chunk carries `finish_reason` and the audio's `expires_at`. The stream opens only once the prompt is
 * processed, so undecodable media still get a plain 400. A client that disconnects stops the turn — thinker,
 * talker and vocoder — within one step, and the model goes to the next request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_SPEAKER } from '../engine/omni/talker';
import { concatFloat32 } from '../engine/runtime/float32';
import type { SpokenTurnEvent } from '../engine/omni/speechTurn';
import { parseChatRequest, type ChatRequest } from './chatRequest';
import { turnMessages } from './chatMessages';
import {
  base64,
  chunk,
  completion,
  completionMeta,
  finishReason,
  pcm16,
  usage,
  usageChunk,
  wav,
  type CompletionMeta,
  type Usage,
} from './chatResponse';
import { ApiError, invalidRequest, toApiError } from './openaiErrors';
import { readJsonBody, type BodyLimits } from './requestBody';
import type { ServedModel } from './servedModel';
import { SseStream } from './sse';
import type { SpokenReplies } from './spokenReplies';
import type { TurnQueue } from './turnQueue';

export interface ChatContext {
  model: ServedModel;
  queue: TurnQueue;
  replies: SpokenReplies;
  scratchDir: string;
  bodyLimits: BodyLimits;
}

type Done = Extract<SpokenTurnEvent, { type: 'done' }>;

/** A turn under way and what its reply is written with. */
interface Reply {
  res: ServerResponse;
  events: AsyncIterable<SpokenTurnEvent>;
  meta: CompletionMeta;
  request: ChatRequest;
  replies: SpokenReplies;
  /** Aborted when the client leaves or the server closes; its reason is the error the client gets. */
  signal: AbortSignal;
}

export async function chatCompletions(req: IncomingMessage, res: ServerResponse, ctx: ChatContext, signal: AbortSignal): Promise<void> {
  const request = parseChatRequest(await readJsonBody(req, ctx.bodyLimits));
  if (request.model !== ctx.model.id) {
    throw new ApiError(404, `The model "${request.model}" is not served here; this server serves "${ctx.model.id}" (GET /v1/models).`, {
      param: 'model',
      code: 'model_not_found',
    });
  }
  const speaker = request.speech && checkedVoice(request.speech.voice, ctx.model.voices);
  const release = await ctx.queue.acquire(signal);
  let dispose: (() => Promise<void>) | undefined;
  try {
    const chat = await turnMessages(request.messages, ctx.replies, ctx.scratchDir);
    dispose = chat.dispose;
    const greedy = request.sampling.doSample === false;
    const events = ctx.model.turn({
      messages: chat.messages,
      keys: chat.keys,
      useAudioInVideo: request.useAudioInVideo,
      sampling: request.sampling,
      maxNewTokens: request.maxNewTokens,
      seed: request.seed,
      signal,
      speech: request.speech && { speaker, maxFrames: request.speech.maxFrames, ...(greedy && { doSample: false }) },
    });
    const reply: Reply = { res, events, meta: completionMeta(ctx.model.id), request, replies: ctx.replies, signal };
    await (request.stream ? streamReply(reply) : sendReply(reply));
  } finally {
    release();
    await dispose?.();
  }
}

/** The voice asked for, lower-case (default Ethan); a 400 naming the voices when this model has no such voice. */
function checkedVoice(voice: string | undefined, voices: readonly string[]): string {
  if (voices.length === 0) throw invalidRequest('This model has no speech output: ask for modalities ["text"].', 'modalities');
  const name = (voice ?? DEFAULT_SPEAKER).toLowerCase();
  if (!voices.includes(name)) throw invalidRequest(`Unknown voice "${voice ?? name}"; this model speaks as ${voices.join(', ')}.`, 'audio.voice', 'unknown_voice');
  return name;
}

const promptUsage = (done: Done, frames?: number): Usage =>
  usage({ tokens: done.prompt.inputIds.length, cached: done.timings.reusedTokens }, done.tokenIds.length, frames);

async function sendReply({ res, events, meta, request, replies, signal }: Reply) {
  let done: Done | undefined;
  let frames = 0;
  const audio: Float32Array[] = [];
  for await (const event of events) {
    if (event.type === 'done') done = event;
    else if (event.type === 'audio') audio.push(event.samples);
    else if (event.type === 'speech-done') frames = event.codes.length;
  }
  // A reply cut short by the server closing is not passed off as complete.
  signal.throwIfAborted();
  if (!done) throw new Error('the turn ended without a reply');
  let spoken;
  if (request.speech) {
    const samples = concatFloat32(audio);
    const issued = replies.issue();
    replies.remember(issued, done.text);
    spoken = { id: issued.id, expires_at: issued.expiresAt, data: base64(request.speech.format === 'wav' ? wav(samples) : pcm16(samples)), transcript: done.text };
  }
  const body = JSON.stringify(completion(meta, { text: done.text, finishReason: finishReason(done.stopReason), audio: spoken, usage: promptUsage(done, frames) }));
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

async function streamReply({ res, events, meta, request, replies, signal }: Reply) {
  const issued = request.speech && replies.issue();
  let sse: SseStream | undefined;
  let done: Done | undefined;
  let frames = 0;
  try {
    for await (const event of events) {
      if (!sse) {
        sse = new SseStream(res);
        await sse.send(chunk(meta, { role: 'assistant', content: '' }));
      }
      // Leaving the loop stops the turn (speechTurn.ts): nobody is listening any more.
      if (!sse.open) return;
      if (event.type === 'text-delta' && event.text) {
        await sse.send(chunk(meta, { content: event.text, ...(issued && { audio: { id: issued.id, transcript: event.text } }) }));
      } else if (event.type === 'audio' && issued) {
        await sse.send(chunk(meta, { audio: { id: issued.id, data: base64(pcm16(event.samples)) } }));
      } else if (event.type === 'done') done = event;
      else if (event.type === 'speech-done') frames = event.codes.length;
    }
    signal.throwIfAborted();
  } catch (error) {
    // Once the stream is open the status is sent: the error travels as an event, which OpenAI's clients raise.
    if (!sse) throw error;
    await sse.send(toApiError(error).body);
    res.end();
    return;
  }
  if (!sse || !done) throw new Error('the turn ended without a reply');
  if (issued) replies.remember(issued, done.text);
  await sse.send(chunk(meta, issued ? { audio: { id: issued.id, expires_at: issued.expiresAt } } : {}, finishReason(done.stopReason)));
  if (request.includeUsage) await sse.send(usageChunk(meta, promptUsage(done, frames)));
  await sse.done();
}
