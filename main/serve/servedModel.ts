/**
 * The bundle the server answers with, open in this process as `omnidesk run` opens it: the runtime, its talker
 * side when the model speaks, and the conversation pool. One turn at a time — the caller queues (turnQueue.ts).
 */
import path from 'node:path';
import { OmniError } from '../engine/errors';
import type { TurnRequest } from '../engine/omni/conversation';
import { OmniRuntime, type OmniRuntimeOptions } from '../engine/omni/omniRuntime';
import { Speech, type SpeechOptions, type SpokenTurnEvent } from '../engine/omni/speechTurn';
import { ConversationPool, messageKey } from './conversationPool';

export type ServedTurn = TurnRequest & {
  /** Per message, its digest (chatMessages.ts): picks the conversation whose cache fits. */
  keys: string[];
  /** Present for a spoken reply. */
  speech?: SpeechOptions;
};

export class ServedModel {
  private readonly pool: ConversationPool;
  /** When the bundle was built, in Unix seconds (OpenAI's model `created`). */
  readonly created: number;

  private constructor(
    private readonly omni: OmniRuntime,
    private readonly speech: Speech | undefined,
    /** The bundle's model id (manifest), else its folder's name. */
    readonly id: string,
  ) {
    this.created = Math.floor(Date.parse(omni.bundle.manifest.builder.createdAt) / 1000) || 0;
    this.pool = new ConversationPool(() => omni.conversation());
  }

  static async open(bundleDir: string, options: OmniRuntimeOptions): Promise<ServedModel> {
    const omni = await OmniRuntime.open(bundleDir, options);
    try {
      const speech = omni.bundle.manifest.graphs.talker ? await Speech.open(omni) : undefined;
      return new ServedModel(omni, speech, omni.bundle.manifest.model.id ?? path.basename(path.resolve(bundleDir)));
    } catch (error) {
      await omni.release();
      throw error;
    }
  }

  /** The voices, lower-case; none for a model without speech output. */
  get voices(): string[] {
    return this.speech?.speakers ?? [];
  }

  /** One turn's events (speechTurn.ts); a spoken turn needs a model with voices. */
  async *turn(request: ServedTurn): AsyncGenerator<SpokenTurnEvent> {
    const { keys, ...turn } = request;
    if (turn.speech && !this.speech) throw new OmniError('INVALID_REQUEST', `${this.id} has no speech output: ask for modalities ["text"]`);
    const { conversation, ran } = this.pool.take(keys);
    let reply: string | undefined;
    try {
      const events = turn.speech && this.speech ? this.speech.turn(conversation, turn) : conversation.send(turn);
      for await (const event of events) {
        if (event.type === 'done' && event.stopReason !== 'cancelled') reply = event.text;
        yield event;
      }
    } finally {
      // A cancelled reply is not what the client will send back: only the prompt's messages match then.
      ran(reply === undefined ? undefined : messageKey('assistant', [{ type: 'text', text: reply }]));
    }
  }

  release(): Promise<void> {
    return this.omni.release();
  }
}
