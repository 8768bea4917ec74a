import { describe, expect, it } from 'vitest';
import type * as ort from './ort';
import type { ExecutionProviderStatus } from '../protocol';
import { SessionManager, type SessionFactory } from './sessions';

const CUDA_AND_CPU: ExecutionProviderStatus[] = [
  { name: 'cuda', available: true, reason: 'probe session created and ran' },
  { name: 'cpu', available: true, reason: 'built into every onnxruntime-node build' },
];

/** A factory that records every attempt and refuses the EPs in `failing`. */
function factory(failing: string[] = []) {
  const attempts: { model: string; options: ort.InferenceSession.SessionOptions }[] = [];
  const create: SessionFactory = async (model, options) => {
    attempts.push({ model, options });
    const [provider] = options.executionProviders as string[];
    if (failing.includes(provider)) throw new Error(`${provider} cannot run GroupQueryAttention`);
    return { release: async () => undefined } as unknown as ort.InferenceSession;
  };
  return { attempts, create };
}

const gpuVariant = { name: 'gpu-fp16-int4', eps: ['cuda', 'cpu'] };

describe('execution provider choice', () => {
  it('takes the first available EP the bundle variant was built for', () => {
    const manager = new SessionManager({ providers: CUDA_AND_CPU, variant: gpuVariant });
    expect(manager.provider).toBe('cuda');
    expect(manager.report().reasons).toEqual(['cuda: chosen (probe session created and ran)']);
  });

  it('passes over an EP the variant was not built for, saying so', () => {
    const manager = new SessionManager({ providers: CUDA_AND_CPU, variant: { name: 'cpu-fp32', eps: ['cpu'] } });
    expect(manager.report()).toEqual({
      provider: 'cpu',
      reasons: ['cuda: skipped (bundle variant cpu-fp32 is built for cpu)', 'cpu: chosen (built into every onnxruntime-node build)'],
      sessions: [],
    });
  });

  it('honours a requested EP when it is available', () => {
    const manager = new SessionManager({ providers: CUDA_AND_CPU, variant: gpuVariant, requested: 'cpu' });
    expect(manager.report().reasons).toEqual(['cpu: requested and available']);
  });
});

describe('fallback when a session cannot be created', () => {
  it('a failing CUDA session falls back to CPU, for that session and every later one, with the reason', async () => {
    const { attempts, create } = factory(['cuda']);
    const manager = new SessionManager({ providers: CUDA_AND_CPU, variant: gpuVariant, factory: create });
    await manager.open('thinker', '/bundle/thinker.onnx');
    await manager.open('embed_tokens', '/bundle/embed_tokens.onnx');
    expect(attempts.map((a) => `${a.model} ${(a.options.executionProviders as string[]).join(',')}`)).toEqual([
      '/bundle/thinker.onnx cuda',
      '/bundle/thinker.onnx cpu',
      '/bundle/embed_tokens.onnx cpu',
    ]);
    expect(manager.report()).toEqual({
      provider: 'cpu',
      reasons: [
        'cuda: chosen (probe session created and ran)',
        'cuda: creating the thinker session failed (cuda cannot run GroupQueryAttention); falling back to cpu',
      ],
      sessions: [
        { graph: 'thinker', provider: 'cpu' },
        { graph: 'embed_tokens', provider: 'cpu' },
      ],
    });
  });

  it('a failing CPU session is an error: there is nothing below CPU', async () => {
    const { create } = factory(['cpu']);
    const manager = new SessionManager({ providers: CUDA_AND_CPU, variant: { name: 'cpu-fp32', eps: ['cpu'] }, factory: create });
    await expect(manager.open('thinker', '/bundle/thinker.onnx')).rejects.toThrow('cpu cannot run GroupQueryAttention');
  });
});

describe('session options', () => {
  it('the thread settings given, sequential execution, no spinning (sessions take turns), every optimisation', async () => {
    const { attempts, create } = factory();
    const manager = new SessionManager({ providers: CUDA_AND_CPU, variant: { name: 'cpu-fp32', eps: ['cpu'] }, factory: create, intraOpNumThreads: 6 });
    await manager.open('thinker', '/bundle/thinker.onnx');
    expect(attempts[0].options).toEqual({
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: 6,
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  });

  it("leaves the intra-op thread count to onnxruntime (one per physical core) unless given", () => {
    const manager = new SessionManager({ providers: CUDA_AND_CPU, variant: gpuVariant });
    expect(manager.sessionOptions('cpu')).not.toHaveProperty('intraOpNumThreads');
  });
});
