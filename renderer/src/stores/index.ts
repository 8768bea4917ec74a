/** All renderer state, built around one `OmnideskApi` so tests can hand in a scripted one. */
import type { OmnideskApi } from '../../../preload/api';
import { createConversationStore } from './conversation';
import { createEngineStore } from './engine';
import { createLoadableStore } from './loadable';
import { createNavigationStore } from './navigation';
import { createStreamCheckStore } from './streamCheck';

export function createAppStores(api: OmnideskApi) {
  const engine = createEngineStore(api);
  const system = createLoadableStore(() => api.system.info());
  const models = createLoadableStore(async () => (await api.models.list()).models);
  // A restarted engine is a new process: its pid, and possibly its providers, changed.
  engine.subscribe((view, previous) => {
    if (view.status?.state === 'ready' && previous.status?.state === 'starting' && previous.status.restarts > 0) {
      void system.getState().reload();
    }
  });
  void system.getState().reload();
  void models.getState().reload();
  return {
    engine,
    system,
    models,
    conversation: createConversationStore(api),
    streamCheck: createStreamCheckStore(api, engine),
    navigation: createNavigationStore(),
  };
}

export type AppStores = ReturnType<typeof createAppStores>;
