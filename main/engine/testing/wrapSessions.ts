/**
 * Test and benchmark seam: a session factory whose sessions pass every `run` through a wrapper that knows the
 * graph's name — to count or time runs, to see which run starts after an abort, or to rewrite a run's outputs.
 */
import path from 'node:path';
import type * as ort from '../runtime/ort';
import { ortSessionFactory, type SessionFactory } from '../runtime/sessions';

export type RunOutputs = ort.InferenceSession.ReturnType;
export type RunWrapper = (graph: string, run: () => Promise<RunOutputs>) => Promise<RunOutputs>;

export function wrappingSessionFactory(wrap: RunWrapper): SessionFactory {
  return async (modelPath, options) => {
    const session = await ortSessionFactory(modelPath, options);
    const graph = path.basename(modelPath, '.onnx');
    const run = session.run.bind(session) as (...args: unknown[]) => Promise<RunOutputs>;
    session.run = ((...args: unknown[]) => wrap(graph, () => run(...args))) as typeof session.run;
    return session;
  };
}
