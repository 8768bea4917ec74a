/**
 * ONNX Runtime sessions of one bundle: which execution provider (EP) they run on, with which thread settings, and a
 * clean fall back to CPU when a session cannot be created on the chosen EP (onnx-bundle.md §6, desktop-ux.md §3.3).
 *
 * The EP comes from `chooseProvider` over the machine's provider statuses (static check + crash-sentinel probe,
 * executionProviders.ts), narrowed to the EPs the bundle variant was built for. When creating a session on it
 * fails (a driver refusing a graph, an op without a kernel), that session and every later one go to CPU, and the
 * reasons say what was tried and why it was left.
 */
import * as ort from './ort';
import type { ExecutionProviderName, ExecutionProviderStatus } from '../protocol';
import { chooseProvider } from './executionProviders';

/** Creates one session; a seam so tests can make an EP fail. */
export type SessionFactory = (modelPath: string, options: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession>;

export const ortSessionFactory: SessionFactory = (modelPath, options) => ort.InferenceSession.create(modelPath, options);

export interface ThreadSettings {
  /** Threads inside one operator; unset = onnxruntime's default (one per physical core). */
  intraOpNumThreads?: number;
  /** Threads across independent nodes; only used by the parallel execution mode, so 1. */
  interOpNumThreads?: number;
}

export interface SessionManagerOptions extends ThreadSettings {
  /** This machine's EPs in preference order (`detectProviders`). */
  providers: readonly ExecutionProviderStatus[];
  /** The bundle variant and the EPs it was built for (manifest `variants[name].eps`). */
  variant: { name: string; eps: readonly string[] };
  /** An EP the user asked for; used when available, else the preference order decides. */
  requested?: ExecutionProviderName;
  factory?: SessionFactory;
  /** Default 'all' (ORT's own default): every fusion, including layout transforms on CPU. */
  graphOptimizationLevel?: ort.InferenceSession.SessionOptions['graphOptimizationLevel'];
}

export interface SessionRecord {
  graph: string;
  provider: ExecutionProviderName;
}

/** What the manager chose and why, for logs, `system.info` and the CLI's stderr. */
export interface ProviderReport {
  provider: ExecutionProviderName;
  reasons: string[];
  sessions: SessionRecord[];
}

export class SessionManager {
  private current: ExecutionProviderName;
  private readonly reasons: string[];
  private readonly opened: { record: SessionRecord; session: ort.InferenceSession }[] = [];
  private readonly factory: SessionFactory;

  constructor(private readonly options: SessionManagerOptions) {
    const { variant } = options;
    // An EP the variant was not built for cannot run its graphs (dtype and op choices differ per EP family).
    const statuses = options.providers.map((status) =>
      status.available && !variant.eps.includes(status.name)
        ? { ...status, available: false, reason: `bundle variant ${variant.name} is built for ${variant.eps.join(', ')}` }
        : status,
    );
    const choice = chooseProvider(statuses, options.requested);
    this.current = choice.chosen;
    this.reasons = [...choice.reasons];
    this.factory = options.factory ?? ortSessionFactory;
  }

  /** The EP new sessions are created on. */
  get provider(): ExecutionProviderName {
    return this.current;
  }

  /**
   * Session options for one EP. Spinning is off: the thinker, talker and code predictor sessions take turns, and a
   * spinning idle pool would steal the cores the running session needs.
   */
  sessionOptions(provider: ExecutionProviderName): ort.InferenceSession.SessionOptions {
    const { intraOpNumThreads, interOpNumThreads = 1 } = this.options;
    return {
      executionProviders: [provider],
      graphOptimizationLevel: this.options.graphOptimizationLevel ?? 'all',
      executionMode: 'sequential',
      ...(intraOpNumThreads !== undefined && { intraOpNumThreads }),
      interOpNumThreads,
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    };
  }

  /** Creates the session of `graph` on the current EP, falling back to CPU (for good) when that fails. */
  async open(graph: string, modelPath: string): Promise<ort.InferenceSession> {
    const provider = this.current;
    try {
      return this.keep(graph, provider, await this.factory(modelPath, this.sessionOptions(provider)));
    } catch (error) {
      if (provider === 'cpu') throw error;
      this.reasons.push(`${provider}: creating the ${graph} session failed (${error instanceof Error ? error.message : String(error)}); falling back to cpu`);
      this.current = 'cpu';
      return this.keep(graph, 'cpu', await this.factory(modelPath, this.sessionOptions('cpu')));
    }
  }

  private keep(graph: string, provider: ExecutionProviderName, session: ort.InferenceSession): ort.InferenceSession {
    this.opened.push({ record: { graph, provider }, session });
    return session;
  }

  report(): ProviderReport {
    return { provider: this.current, reasons: [...this.reasons], sessions: this.opened.map((o) => o.record) };
  }

  async release(): Promise<void> {
    const sessions = this.opened.splice(0);
    await Promise.all(sessions.map((o) => o.session.release()));
  }
}
