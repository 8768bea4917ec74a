/**
 * The host side of the engine process boundary: starts the engine through a launcher (Electron utilityProcess in
 * the app, child_process.fork in the preview server and tests), restarts it after a crash with exponential
 * backoff, and turns its death into plain errors for everything in flight — a pending request, an open turn, a
 * stream — so nothing waits forever on a process that is gone.
 *
 * It also keeps what the engine says about opening a local model. Opening one blocks the engine's event loop for
 * minutes (onnxruntime creates sessions synchronously), so silence while a model opens is expected: a request
 * does not time out then, its wait starts again.
 *
 * Pure Node: Electron main imports it with a utilityProcess launcher (`main/app/engineProcess.ts`).
 */
import type { EngineState, ModelStatus } from '../../ipc/contract';
import { OmniError, type ErrorInfo } from '../errors';
import {
  EngineToHost,
  engineMethods,
  type EngineMethod,
  type EngineParams,
  type EngineResult,
  type HostToEngine,
  type ModelLoad,
  type TurnEvent,
} from '../protocol';

export interface EngineExit {
  code: number | null;
  /** e.g. "exited with code 70", "killed by SIGSEGV", "crashed" (Electron's `child-process-gone` reason). */
  reason: string;
}

export interface EngineChild {
  post(message: HostToEngine, transfer?: unknown[]): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (exit: EngineExit) => void): void;
  kill(): void;
}

export type EngineLauncher = () => EngineChild;

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** An engine that stayed up this long resets the crash count, so one crash a day never waits 30 s. */
  resetAfterMs: number;
}

export interface SupervisorOptions {
  launch: EngineLauncher;
  backoff?: Partial<Backoff>;
  /** How long a request may wait, including for a (re)starting engine. */
  requestTimeoutMs?: number;
  /** How long a fresh engine may take to report ready before it counts as crashed. */
  startTimeoutMs?: number;
}

/** A stream multiplexed over the engine's control channel (engines without MessagePort transfer). */
export interface HostStream {
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: () => void): void;
  close(): void;
}

interface Pending {
  /** Sent to the current engine; unsent requests survive a crash and go to the restarted engine. */
  sent: boolean;
  resolve: (value: unknown) => void;
  reject: (error: OmniError) => void;
  timer: NodeJS.Timeout;
}

interface Stream {
  listeners: Array<(message: unknown) => void>;
  closeListeners: Array<() => void>;
}

const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };

export function backoffDelay(consecutiveCrashes: number, backoff: Backoff): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, consecutiveCrashes - 1));
}

/** The model's status after one report: a model that starts to open (again, or another one) has no speech side yet. */
export function withModelLoad(status: ModelStatus | undefined, { bundleDir, part, load }: ModelLoad): ModelStatus | undefined {
  if (part === 'model') return load.state === 'loading' || status?.bundleDir !== bundleDir ? { bundleDir, model: load } : { ...status, model: load };
  return status?.bundleDir === bundleDir ? { ...status, speech: load } : status;
}

const isOpening = (status: ModelStatus | undefined) => status?.model.state === 'loading' || status?.speech?.state === 'loading';

export class EngineSupervisor {
  private child?: EngineChild;
  private readonly backoff: Backoff;
  private readonly requestTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private current: EngineState = { state: 'stopped', restarts: 0 };
  private ready = false;
  private stopping = false;
  private consecutiveCrashes = 0;
  private readyAt = 0;
  private nextId = 1;
  private nextStreamId = 1;
  private restartTimer?: NodeJS.Timeout;
  private startTimer?: NodeJS.Timeout;
  private readonly pending = new Map<number, Pending>();
  /** Requests waiting for the engine to be ready. */
  private queued: Array<() => void> = [];
  private readonly openTurns = new Set<string>();
  private readonly streams = new Map<number, Stream>();
  private readonly stateListeners = new Set<(state: EngineState) => void>();
  private readonly turnListeners = new Set<(event: TurnEvent) => void>();

  constructor(private readonly options: SupervisorOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000;
  }

  get state(): EngineState {
    return this.current;
  }

  onState(listener: (state: EngineState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onTurn(listener: (event: TurnEvent) => void): () => void {
    this.turnListeners.add(listener);
    return () => this.turnListeners.delete(listener);
  }

  start(): void {
    this.stopping = false;
    if (!this.child) this.spawn();
  }

  /** Stops the engine for good (app quit, window closed): everything in flight fails with ENGINE_UNAVAILABLE. */
  stop(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    this.child = undefined;
    this.ready = false;
    child?.kill();
    this.failInFlight({ code: 'ENGINE_UNAVAILABLE', message: 'The engine was stopped.' });
    this.setState({ state: 'stopped', restarts: this.current.restarts });
  }

  request<M extends EngineMethod>(
    method: M,
    params: EngineParams<M>,
    timeoutMs = this.requestTimeoutMs,
  ): Promise<EngineResult<M>> {
    return new Promise<EngineResult<M>>((resolve, reject) => {
      if (this.stopping) {
        reject(new OmniError('ENGINE_UNAVAILABLE', `Engine request ${method}: the engine is stopped.`));
        return;
      }
      const id = this.nextId++;
      const expire = () => {
        const pending = this.pending.get(id);
        if (!pending) return;
        if (isOpening(this.current.model)) {
          pending.timer = setTimeout(expire, timeoutMs);
          return;
        }
        this.pending.delete(id);
        reject(new OmniError('ENGINE_TIMEOUT', `Engine request ${method} got no answer within ${timeoutMs} ms.`));
      };
      const result = engineMethods[method].result;
      this.pending.set(id, {
        sent: false,
        resolve: (value) => {
          const parsed = result.safeParse(value);
          if (!parsed.success) {
            reject(new OmniError('INTERNAL', `Engine answered ${method} with a malformed result.`));
            return;
          }
          // A local turn's events all follow its acceptance, so it is open from here (its model may take minutes to
          // open before it starts); a remote one is open from its `started`, which comes before.
          const turn = method === 'chat.send' ? (params as EngineParams<'chat.send'>) : undefined;
          if (turn?.bundleDir !== undefined) this.openTurns.add(turn.turnId);
          resolve(parsed.data as EngineResult<M>);
        },
        reject,
        timer: setTimeout(expire, timeoutMs),
      });
      const send = () => {
        const pending = this.pending.get(id);
        if (!pending || !this.child) return;
        pending.sent = true;
        this.child.post({ kind: 'request', id, method, params });
      };
      if (this.ready) send();
      else this.queued.push(send);
    });
  }

  /** Hands a MessagePort (utilityProcess engines) to the engine as a renderer stream. */
  attachPort(port: unknown): void {
    if (!this.ready || !this.child) {
      throw new OmniError('ENGINE_UNAVAILABLE', 'The engine is not running; the stream can be opened once it is ready.');
    }
    this.child.post({ kind: 'attach-stream', streamId: this.nextStreamId++ }, [port]);
  }

  /** Opens a stream multiplexed over the control channel (forked engines). */
  openStream(): HostStream {
    if (!this.ready || !this.child) {
      throw new OmniError('ENGINE_UNAVAILABLE', 'The engine is not running; the stream can be opened once it is ready.');
    }
    const streamId = this.nextStreamId++;
    const stream: Stream = { listeners: [], closeListeners: [] };
    this.streams.set(streamId, stream);
    const child = this.child;
    child.post({ kind: 'attach-stream', streamId });
    return {
      post: (message) => {
        if (this.streams.has(streamId)) child.post({ kind: 'stream', streamId, message });
      },
      onMessage: (listener) => stream.listeners.push(listener),
      onClose: (listener) => stream.closeListeners.push(listener),
      close: () => {
        if (!this.streams.delete(streamId)) return;
        child.post({ kind: 'detach-stream', streamId });
        stream.closeListeners.forEach((listener) => listener());
      },
    };
  }

  private spawn(): void {
    const child = this.options.launch();
    this.child = child;
    this.ready = false;
    this.setState({ state: 'starting', restarts: this.current.restarts });
    this.startTimer = setTimeout(() => {
      if (this.child === child && !this.ready) {
        child.kill();
        this.handleExit(child, { code: null, reason: `did not report ready within ${this.startTimeoutMs} ms` });
      }
    }, this.startTimeoutMs);
    child.onMessage((raw) => this.handleMessage(child, raw));
    child.onExit((exit) => this.handleExit(child, exit));
  }

  private handleMessage(child: EngineChild, raw: unknown): void {
    if (child !== this.child) return;
    const parsed = EngineToHost.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.kind) {
      case 'ready': {
        clearTimeout(this.startTimer);
        this.ready = true;
        this.readyAt = Date.now();
        this.setState({ state: 'ready', restarts: this.current.restarts });
        const queued = this.queued;
        this.queued = [];
        queued.forEach((send) => send());
        break;
      }
      case 'response': {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(OmniError.fromInfo(message.error ?? { code: 'INTERNAL', message: 'Engine error' }));
        break;
      }
      case 'busy':
        if (this.ready) this.setState({ ...this.current, state: message.busy ? 'busy' : 'ready' });
        break;
      case 'model':
        this.setState({ ...this.current, model: withModelLoad(this.current.model, message.load) });
        break;
      case 'turn':
        if (message.event.type === 'started' || message.event.type === 'loading') this.openTurns.add(message.event.turnId);
        if (message.event.type === 'done' || message.event.type === 'error') this.openTurns.delete(message.event.turnId);
        this.turnListeners.forEach((listener) => listener(message.event));
        break;
      case 'stream':
        this.streams.get(message.streamId)?.listeners.forEach((listener) => listener(message.message));
        break;
    }
  }

  private handleExit(child: EngineChild, exit: EngineExit): void {
    if (child !== this.child) return;
    clearTimeout(this.startTimer);
    this.child = undefined;
    this.ready = false;
    if (this.stopping) return;
    const error: ErrorInfo = {
      code: 'ENGINE_CRASHED',
      message: `The engine process ${exit.reason}.`,
      hint: 'It restarts by itself; if this repeats, check the log or switch the execution provider to CPU.',
    };
    this.failInFlight(error, { keepQueued: true });
    if (this.readyAt && Date.now() - this.readyAt >= this.backoff.resetAfterMs) this.consecutiveCrashes = 0;
    this.readyAt = 0;
    this.consecutiveCrashes += 1;
    const retryInMs = backoffDelay(this.consecutiveCrashes, this.backoff);
    this.setState({ state: 'crashed', restarts: this.current.restarts, lastError: error, retryInMs });
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.current = { ...this.current, restarts: this.current.restarts + 1 };
      this.spawn();
    }, retryInMs);
  }

  /** Requests sent to a dead engine fail; queued ones (not yet sent) may wait for the restart. */
  private failInFlight(error: ErrorInfo, { keepQueued = false } = {}): void {
    for (const [id, pending] of this.pending) {
      if (keepQueued && !pending.sent) continue;
      clearTimeout(pending.timer);
      pending.reject(OmniError.fromInfo(error));
      this.pending.delete(id);
    }
    if (!keepQueued) this.queued = [];
    for (const turnId of this.openTurns) {
      this.turnListeners.forEach((listener) => listener({ type: 'error', turnId, error }));
    }
    this.openTurns.clear();
    for (const [streamId, stream] of this.streams) {
      this.streams.delete(streamId);
      stream.closeListeners.forEach((listener) => listener());
    }
  }

  private setState(state: EngineState): void {
    this.current = state;
    this.stateListeners.forEach((listener) => listener(state));
  }
}
