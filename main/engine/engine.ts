/**
 * The engine service: answers the host's requests and serves the renderer's stream ports. It owns everything
 * that runs inference; the process around it (`process.ts`) only wires it to its parent.
 */
import { toErrorInfo } from './errors';
import type { StreamEndpoint } from './parent';
import {
  engineMethods,
  describeIssues,
  StreamUp,
  type EngineInfo,
  type EngineMethod,
  type EngineParams,
  type EngineResult,
  type EngineToHost,
  type StreamDown,
} from './protocol';
import { engineInfo } from './system';
import { MicCaptures } from './omni/micCapture';
import { Assistant, type AssistantOptions } from './omni/assistant';
import { turnStillRunning } from './turnSlot';
import { RemoteAssistant } from './remote/remoteAssistant';
import type { RemoteTimeouts } from './remote/client';

export interface EngineOptions {
  /** Survives restarts: the execution-provider probe record lives here. */
  stateDir: string;
  /** Temporary media files of running turns. */
  scratchDir: string;
  emit: (message: EngineToHost) => void;
  /** Seam for tests: how the assistant opens an installed bundle (default: for real). */
  open?: AssistantOptions['open'];
  /** Seam for tests: how long remote servers may take (defaults: 10 s to answer, 60 s between pieces). */
  remoteTimeouts?: RemoteTimeouts;
}

type Handler<M extends EngineMethod> = (params: EngineParams<M>) => Promise<EngineResult<M>>;

export class Engine {
  private readonly startedAt = Date.now();
  private readonly streams = new Set<StreamEndpoint>();
  private readonly mic = new MicCaptures();
  private info?: Promise<EngineInfo>;
  private readonly assistant: Assistant;
  private readonly remote: RemoteAssistant;

  constructor(private readonly options: EngineOptions) {
    // Busy while any turn runs: one that follows a stopped turn overlaps it until that one has ended.
    let turnsRunning = 0;
    const turns: Pick<AssistantOptions, 'emit' | 'onBusy' | 'onSpeech'> = {
      emit: (event) => options.emit({ kind: 'turn', event }),
      onBusy: (busy) => {
        turnsRunning += busy ? 1 : -1;
        if (turnsRunning === (busy ? 1 : 0)) options.emit({ kind: 'busy', busy });
      },
      onSpeech: (chunk) =>
        this.broadcast(
          'end' in chunk
            ? { type: 'speech.end', turnId: chunk.turnId, samples: chunk.samples }
            : { type: 'speech.chunk', turnId: chunk.turnId, seq: chunk.seq, sampleRate: 24000, pcm: chunk.samples.slice().buffer },
        ),
    };
    this.assistant = new Assistant({
      stateDir: options.stateDir,
      scratchDir: options.scratchDir,
      onLoad: (load) => options.emit({ kind: 'model', load }),
      open: options.open,
      ...turns,
    });
    this.remote = new RemoteAssistant({ scratchDir: options.scratchDir, timeouts: options.remoteTimeouts, ...turns });
  }

  private readonly handlers: { [M in EngineMethod]: Handler<M> } = {
    ping: async () => ({ uptimeMs: Date.now() - this.startedAt }),
    'system.info': () => (this.info ??= engineInfo(this.options.stateDir)),
    'chat.send': async (request) => {
      // One turn at a time across local and remote: both claim their turn before their first await.
      const running = this.assistant.activeTurn ?? this.remote.activeTurn;
      if (running) throw turnStillRunning(request.turnId, running);
      const mic = request.micAudio ? this.mic.take(request.turnId) : undefined;
      if (request.remote) await this.remote.start(request, mic);
      else this.assistant.start(request, mic);
      return { turnId: request.turnId };
    },
    'model.preload': async ({ bundleDir, speech }) => {
      this.assistant.preload(bundleDir, speech);
      return {};
    },
    'chat.interrupt': async (request) => {
      this.mic.cancel(request.turnId);
      return { interrupted: this.assistant.interrupt(request.turnId) || this.remote.interrupt(request.turnId) };
    },
  };

  /** Validates and runs one request; the answer is always a response message, never a thrown error. */
  async request(id: number, method: string, params: unknown): Promise<void> {
    const respond = (message: Omit<Extract<EngineToHost, { kind: 'response' }>, 'kind' | 'id'>) =>
      this.options.emit({ kind: 'response', id, ...message });
    if (!Object.prototype.hasOwnProperty.call(engineMethods, method)) {
      respond({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `Unknown engine method "${method}"` } });
      return;
    }
    const name = method as EngineMethod;
    const parsed = engineMethods[name].params.safeParse(params);
    if (!parsed.success) {
      respond({ ok: false, error: { code: 'INVALID_REQUEST', message: describeIssues(name, parsed.error) } });
      return;
    }
    try {
      const handler = this.handlers[name] as (params: unknown) => Promise<unknown>;
      respond({ ok: true, result: await handler(parsed.data) });
    } catch (error) {
      respond({ ok: false, error: toErrorInfo(error) });
    }
  }

  /** Speech goes to every open stream: the window that asked, and any other view of the same turn. */
  private broadcast(message: StreamDown): void {
    for (const stream of this.streams) stream.post(message);
  }

  attachStream(endpoint: StreamEndpoint): void {
    this.streams.add(endpoint);
    const send = (message: StreamDown) => endpoint.post(message);
    endpoint.onClose(() => this.streams.delete(endpoint));
    endpoint.onMessage((raw) => {
      const parsed = StreamUp.safeParse(raw);
      if (!parsed.success) {
        send({ type: 'stream.error', error: { code: 'INVALID_REQUEST', message: describeIssues('stream', parsed.error) } });
        return;
      }
      const message = parsed.data;
      try {
        switch (message.type) {
          case 'mic.chunk':
            this.mic.add(message);
            break;
          case 'mic.end':
            send({ type: 'mic.received', turnId: message.turnId, samples: this.mic.end(message.turnId, message.seq) });
            break;
          case 'mic.cancel':
            this.mic.cancel(message.turnId);
            break;
        }
      } catch (error) {
        send({ type: 'stream.error', error: toErrorInfo(error) });
      }
    });
  }
}
