/** All renderer state, built around one `OmnideskApi` so tests can hand in a scripted one. */
import type { OmnideskApi } from '../../../preload/api';
import { createConversationStore } from './conversation';
import { createConversationsStore } from './conversations';
import { createEngineStore } from './engine';
import { createLoadableStore } from './loadable';
import { createModelsStore } from './models';
import { createNavigationStore } from './navigation';
import { createSettingsStore } from './settings';
import { createStreamCheckStore } from './streamCheck';

export function createAppStores(api: OmnideskApi) {
  const engine = createEngineStore(api);
  const system = createLoadableStore(() => api.system.info());
  // A restarted engine is a new process: its pid, and possibly its providers, changed.
  engine.subscribe((view, previous) => {
    if (view.status?.state === 'ready' && previous.status?.state === 'starting' && previous.status.restarts > 0) {
      void system.getState().reload();
    }
  });
  void system.getState().reload();
  const conversation = createConversationStore(api);
  return {
    engine,
    system,
    models: createModelsStore(api),
    settings: createSettingsStore(api),
    conversation,
    conversations: createConversationsStore(api, conversation),
    streamCheck: createStreamCheckStore(api, engine),
    navigation: createNavigationStore(),
  };
}

export type AppStores = ReturnType<typeof createAppStores>;
