/**
 * The Models screen's data: the catalog with this machine's fit verdicts, disk usage, and the model jobs
 * (download, then build) as main reports them. The catalog and disk figures are reloaded when a job ends or a
 * model is removed, since both change then.
 */
import { createStore } from 'zustand/vanilla';
import type { ErrorInfo, ModelJob, VariantFit } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { asErrorInfo } from '../errors';
import { createLoadableStore } from './loadable';

export interface JobsState {
  jobs: Record<string, ModelJob>;
  /** Why the last action on a model failed, by model id. */
  errors: Record<string, ErrorInfo>;
  /** Models with an action in flight, so their buttons wait. */
  busy: Record<string, boolean>;
}

const ENDED: ReadonlySet<ModelJob['phase']> = new Set(['done', 'failed', 'cancelled']);
export const isRunning = (job: ModelJob | undefined) => job !== undefined && !ENDED.has(job.phase);

/** The variant to offer first: the smallest that runs here, else the smallest that fits at all. */
export function suggestedVariant(fits: VariantFit[]): VariantFit['variant'] | undefined {
  const bySize = [...fits].sort((a, b) => a.needs.bundleBytes - b.needs.bundleBytes);
  return (bySize.find((f) => f.verdict === 'runs here') ?? bySize.find((f) => f.verdict !== 'does not fit'))?.variant;
}

export function createModelsStore(api: Pick<OmnideskApi, 'models'>) {
  const catalog = createLoadableStore(() => api.models.catalog());
  const disk = createLoadableStore(() => api.models.disk());
  const jobs = createStore<JobsState>()(() => ({ jobs: {}, errors: {}, busy: {} }));
  const reload = () => Promise.all([catalog.getState().reload(), disk.getState().reload()]).then(() => undefined);

  const track = (job: ModelJob) => {
    const before = jobs.getState().jobs[job.id];
    jobs.setState((s) => ({ jobs: { ...s.jobs, [job.id]: job } }));
    if (ENDED.has(job.phase) && before && !ENDED.has(before.phase)) void reload();
  };
  api.models.onProgress(track);

  const act = async (id: string, action: () => Promise<unknown>) => {
    jobs.setState((s) => ({ busy: { ...s.busy, [id]: true }, errors: Object.fromEntries(Object.entries(s.errors).filter(([key]) => key !== id)) }));
    try {
      return await action();
    } catch (error) {
      jobs.setState((s) => ({ errors: { ...s.errors, [id]: asErrorInfo(error) } }));
      return undefined;
    } finally {
      jobs.setState((s) => ({ busy: { ...s.busy, [id]: false } }));
    }
  };
  // Every change of a job reaches `track` as an event, before and after the answer: the answer itself could be
  // older than events already shown, so only failures are taken from it.
  const jobAction = (id: string, call: () => Promise<ModelJob>) => act(id, call);

  void reload();
  void api.models.jobs().then(({ jobs: list }) => list.forEach((job) => jobs.getState().jobs[job.id] ?? track(job)), () => undefined);

  return {
    catalog,
    disk,
    jobs,
    reload,
    pull: (id: string, variant: ModelJob['variant'], keepCheckpoint: boolean) => jobAction(id, () => api.models.pull({ id, variant, keepCheckpoint })),
    pause: (id: string) => jobAction(id, () => api.models.pause({ id })),
    resume: (id: string) => jobAction(id, () => api.models.resume({ id })),
    cancel: (id: string) => jobAction(id, () => api.models.cancel({ id })),
    remove: (id: string) =>
      act(id, async () => {
        const removed = await api.models.remove({ id });
        jobs.setState((s) => ({ jobs: Object.fromEntries(Object.entries(s.jobs).filter(([key]) => key !== id)) }));
        await reload();
        return removed;
      }),
    dismissError: (id: string) => jobs.setState((s) => ({ errors: Object.fromEntries(Object.entries(s.errors).filter(([key]) => key !== id)) })),
  };
}

export type ModelsStore = ReturnType<typeof createModelsStore>;
