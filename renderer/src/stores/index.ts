/** All renderer state, built around one `OmnideskApi` so tests can hand in a scripted one. */
import { DEFAULT_SETTINGS } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { createEngineLink } from '../audio/engineLink';
import { MicCapture } from '../audio/micCapture';
import { SpeechPlayer } from '../audio/speechPlayer';
import { createAttachmentsStore } from '../media/attachments';
import { captureScreen } from '../media/screen';
import { createScreenPickerStore } from '../media/screenPicker';
import { createConversationStore } from './conversation';
import { createConversationsStore } from './conversations';
import { createEngineStore } from './engine';
import { createLoadableStore } from './loadable';
import { createModelsStore } from './models';
import { createNavigationStore } from './navigation';
import { createRemoteStore, settleChoices } from './remote';
import { createSettingsStore } from './settings';
import { createStreamCheckStore } from './streamCheck';
import { createVoiceStore } from './voice';
import { createHotkeyStatusStore, followGlobalHotkey } from './voiceHotkey';

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
  const settings = createSettingsStore(api);
  const conversation = createConversationStore(api);
  const attachments = createAttachmentsStore();
  const voice = createVoiceStore({
    conversation,
    attachments,
    link: createEngineLink(api, engine),
    preferences: () => {
      const { voice: spoken, devices } = settings.getState().data.value?.settings ?? DEFAULT_SETTINGS;
      return { speak: spoken.speak, input: devices.input, output: devices.output };
    },
    openMicrophone: (device, send, events) => MicCapture.open({ deviceId: device ?? undefined, voiceProcessing: true }, send, events),
    createPlayer: SpeechPlayer.create,
    saveAudio: (turnId, role, sampleRate, pcm) =>
      api.conversations.saveAudio({ turnId, role, sampleRate, pcm: new Uint8Array(pcm.buffer as ArrayBuffer, pcm.byteOffset, pcm.byteLength) }),
    readMedia: async (file) => (await api.conversations.media({ file })).data,
  });
  followGlobalHotkey(api, voice, () => document.hasFocus());
  const conversations = createConversationsStore(api, conversation);
  const remote = createRemoteStore(api);
  conversations.subscribe(({ list }) => list.value && settleChoices(remote, list.value));
  return {
    engine,
    system,
    models: createModelsStore(api),
    settings,
    conversation,
    conversations,
    remote,
    attachments,
    screenPicker: createScreenPickerStore({ api, attachments, capture: captureScreen }),
    voice,
    hotkey: createHotkeyStatusStore(api),
    streamCheck: createStreamCheckStore(api, engine),
    navigation: createNavigationStore(),
  };
}

export type AppStores = ReturnType<typeof createAppStores>;
