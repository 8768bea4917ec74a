/**
 * The engine's local turns on a thread of their own. onnxruntime-node opens a session synchronously (minutes for the
 * real model) and runs each step synchronously; on the engine's main thread that held up everything else the engine
 * does meanwhile: a remote turn, `system.info`, the microphone's chunks, a Stop. Here the `Assistant` runs in a
 * worker thread (assistantWorker.ts) and the engine's thread keeps what must answer at once: claiming a turn
 * (`claimTurn`, so `chat.send` is answered whatever the worker is doing), which turn runs, and routing the worker's
 * events out.
 *
 * A Stop for a turn that has not started yet (it waits for its model to open, or for its attachments) ends the turn
 * here and now, as interrupted: the open goes on for the next question, and whatever the worker still says of that
 * turn is dropped. A Stop for a started turn reaches the worker between two steps and ends it there, as before.
 *
 * The worker starts with the first turn or preload. Should it fail (an exception it did not catch, an exit), the
 * running turn ends with an error, every part still opening is reported failed, and the next turn starts a new one.
 */
import type { Worker } from 'node:worker_threads';
import { OmniError } from '../errors';
import type { LocalChatSendRequest, ModelLoad, TurnEvent } from '../protocol';
import { startWorker, workerModule } from '../workerThread';
import { claimPreload, claimTurn, type AssistantOptions, type LocalAssistant, type SpeechChunk } from './assistant';
import type { CapturedAudio } from './micCapture';

/** What the worker is started with. */
export type AssistantWorkerData = Pick<AssistantOptions, 'stateDir' | 'scratchDir'>;

export type ToAssistantWorker =
  | { type: 'start'; request: LocalChatSendRequest; spoken?: Float32Array }
  | { type: 'interrupt'; turnId: string }
  | { type: 'preload'; bundleDir: string; speech: boolean }
  | { type: 'release' };

/** Every turn the worker was sent ends with a `done` or an `error` event, even one it never started. */
export type FromAssistantWorker =
  | { type: 'turn'; event: TurnEvent }
  | { type: 'speech'; chunk: SpeechChunk }
  | { type: 'load'; load: ModelLoad }
  | { type: 'released' };

export interface AssistantThreadOptions extends Omit<AssistantOptions, 'open'> {
  /** The worker module (tests substitute one that fails). */
  entry?: string;
}

const ASSISTANT_WORKER = workerModule(import.meta.url, 'assistantWorker');

const isFinal = (event: TurnEvent) => event.type === 'done' || event.type === 'error';

export class AssistantThread implements LocalAssistant {
  private worker?: Promise<Worker>;
  private active?: { turnId: string; bundleDir: string; started: boolean };
  /** Turns ended here before the worker ended them: what it still says of them is dropped. */
  private readonly abandoned = new Set<string>();
  /** Parts opening now, by bundle and part: reported failed should the worker fail before they are open. */
  private readonly opening = new Map<string, ModelLoad>();
  private onReleased?: () => void;

  constructor(private readonly options: AssistantThreadOptions) {}

  start(request: LocalChatSendRequest, mic?: CapturedAudio): void {
    const spoken = claimTurn(request, mic, this.active?.turnId);
    this.active = { turnId: request.turnId, bundleDir: request.bundleDir, started: false };
    this.options.onBusy(true);
    this.post({ type: 'start', request, ...(spoken && { spoken }) });
  }

  get activeTurn(): string | undefined {
    return this.active?.turnId;
  }

  interrupt(turnId: string): boolean {
    if (this.active?.turnId !== turnId) return false;
    this.post({ type: 'interrupt', turnId });
    if (!this.active.started) {
      this.abandoned.add(turnId);
      this.end({ type: 'done', turnId, text: '', interrupted: true, speechSamples: 0 });
    }
    return true;
  }

  preload(bundleDir: string, speech: boolean): void {
    claimPreload(bundleDir, this.active);
    this.post({ type: 'preload', bundleDir, speech });
  }

  /** Ends the running turn, releases the model and stops the worker. */
  async release(): Promise<void> {
    const starting = this.worker;
    this.worker = undefined;
    const worker = await starting?.catch(() => undefined);
    if (!worker) return;
    const released = new Promise<void>((resolve) => {
      this.onReleased = resolve;
      worker.once('exit', () => resolve());
    });
    worker.postMessage({ type: 'release' } satisfies ToAssistantWorker);
    await released;
    await worker.terminate();
    this.active = undefined;
    this.abandoned.clear();
    this.opening.clear();
  }

  private post(message: ToAssistantWorker): void {
    this.thread().then(
      (worker) => worker.postMessage(message),
      (error: unknown) => this.failed(error),
    );
  }

  private thread(): Promise<Worker> {
    if (!this.worker) {
      const data: AssistantWorkerData = { stateDir: this.options.stateDir, scratchDir: this.options.scratchDir };
      const starting = startWorker(this.options.entry ?? ASSISTANT_WORKER, { workerData: data });
      this.worker = starting;
      void starting.then(
        (worker) => {
          worker.unref();
          worker.on('message', (message: FromAssistantWorker) => this.received(message));
          worker.on('error', (error) => this.worker === starting && this.failed(error));
          worker.on('exit', (code) => this.worker === starting && this.failed(new Error(`it stopped (exit code ${code})`)));
        },
        () => undefined,
      );
    }
    return this.worker;
  }

  private received(message: FromAssistantWorker): void {
    switch (message.type) {
      case 'turn': {
        const { event } = message;
        if (this.abandoned.has(event.turnId)) {
          if (isFinal(event)) this.abandoned.delete(event.turnId);
        } else if (isFinal(event)) {
          this.end(event);
        } else {
          if (event.type === 'started' && this.active?.turnId === event.turnId) this.active.started = true;
          this.options.emit(event);
        }
        break;
      }
      case 'speech':
        if (!this.abandoned.has(message.chunk.turnId)) this.options.onSpeech(message.chunk);
        break;
      case 'load': {
        const { bundleDir, part, load } = message.load;
        if (load.state === 'loading') this.opening.set(`${part} ${bundleDir}`, message.load);
        else this.opening.delete(`${part} ${bundleDir}`);
        this.options.onLoad?.(message.load);
        break;
      }
      case 'released':
        this.onReleased?.();
        break;
    }
  }

  /** The turn is over before anyone hears so: a listener of its last event may start the next turn at once. */
  private end(final: TurnEvent): void {
    if (this.active?.turnId === final.turnId) {
      this.active = undefined;
      this.options.onBusy(false);
    }
    this.options.emit(final);
  }

  /** The worker is gone: what it was doing ends with the reason, and the next call starts another. */
  private failed(cause: unknown): void {
    this.worker = undefined;
    const error = new OmniError('INTERNAL', `The local model's thread failed: ${cause instanceof Error ? cause.message : String(cause)}`, 'Try again; the model opens anew.');
    for (const { bundleDir, part, load } of this.opening.values()) {
      const since = load.state === 'loading' ? load.since : Date.now();
      this.options.onLoad?.({ bundleDir, part, load: { state: 'failed', ms: Date.now() - since, error: error.toInfo() } });
    }
    this.opening.clear();
    this.abandoned.clear();
    if (this.active) this.end({ type: 'error', turnId: this.active.turnId, error: error.toInfo() });
  }
}
