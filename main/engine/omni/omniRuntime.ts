/**
 * A bundle opened for inference: verified files, the processor over the bundle's tokenizer and configs, sessions
 * on the chosen execution provider, the Thinker and the media encoders. The engine's entry point:
 *
 *   const omni = await OmniRuntime.open(bundleDir, { stateDir });
 *   const conversation = omni.conversation();
 *   for await (const event of conversation.send({ messages, signal })) …   // text-delta …, done
 *   await omni.release();
 */
import { Qwen3OmniProcessor } from '../processor/processor';
import type { ExecutionProviderName, ExecutionProviderStatus } from '../protocol';
import { loadBundle, type LoadedBundle, type LoadOptions } from '../runtime/bundle';
import { detectProviders } from '../runtime/executionProviders';
import { readSamplingDefaults } from '../runtime/sampling/generationConfig';
import type { SamplingSettings } from '../runtime/sampling/sampler';
import { SessionManager, type ProviderReport, type SessionFactory, type ThreadSettings } from '../runtime/sessions';
import { Conversation } from './conversation';
import { MediaEncoders } from './encoders';
import { Thinker } from './thinker';

export interface OmniRuntimeOptions extends ThreadSettings, LoadOptions {
  /** Where the execution-provider probe keeps its crash sentinel (survives restarts). */
  stateDir: string;
  /** An EP the user asked for. */
  provider?: ExecutionProviderName;
  /** This machine's EP statuses when already known (default: detected, probing each EP once). */
  providers?: ExecutionProviderStatus[];
  /** Seam for tests. */
  sessionFactory?: SessionFactory;
}

export class OmniRuntime {
  private constructor(
    readonly bundle: LoadedBundle,
    readonly processor: Qwen3OmniProcessor,
    readonly sessions: SessionManager,
    readonly thinker: Thinker,
    readonly encoders: MediaEncoders,
    /** The bundle's generation_config.json over transformers' defaults. */
    readonly samplingDefaults: SamplingSettings,
  ) {}

  static async open(bundleDir: string, options: OmniRuntimeOptions): Promise<OmniRuntime> {
    const bundle = await loadBundle(bundleDir, options);
    const processor = Qwen3OmniProcessor.fromCheckpoint(bundle.dir);
    const sessions = new SessionManager({
      providers: options.providers ?? (await detectProviders(options.stateDir)),
      variant: { name: bundle.variant, eps: bundle.manifest.variants[bundle.variant].eps },
      requested: options.provider,
      factory: options.sessionFactory,
      intraOpNumThreads: options.intraOpNumThreads,
      interOpNumThreads: options.interOpNumThreads,
    });
    try {
      const thinker = await Thinker.open(bundle, sessions);
      return new OmniRuntime(bundle, processor, sessions, thinker, new MediaEncoders(bundle, sessions), readSamplingDefaults(bundle.dir));
    } catch (error) {
      await sessions.release();
      throw error;
    }
  }

  /** A new conversation with its own KV cache. */
  conversation(): Conversation {
    return new Conversation(this.processor, this.thinker, this.encoders, this.samplingDefaults);
  }

  /** Which EP the sessions run on, and why. */
  providerReport(): ProviderReport {
    return this.sessions.report();
  }

  async release(): Promise<void> {
    await this.sessions.release();
  }
}
