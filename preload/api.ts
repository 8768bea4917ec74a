/**
 * The named API the renderer sees as `window.omnidesk`. One factory serves both shells: the Electron preload
 * (transport = ipcRenderer) and the browser preview bridge (transport = WebSocket), so the renderer cannot tell
 * them apart. Actions reject with plain `ErrorInfo` data ({code, message, hint}).
 */
import type {
  EventChannel,
  EventPayload,
  InvokeChannel,
  InvokeRequest,
  InvokeResponse,
  InvokeResult,
} from '../main/ipc/contract';

export interface BridgeTransport {
  invoke(channel: InvokeChannel, payload: unknown): Promise<InvokeResult<unknown>>;
  subscribe(channel: EventChannel, listener: (payload: unknown) => void): () => void;
}

/**
 * Actions whose request has no fields take no argument: `system.info()`, not `system.info({})`. One whose fields
 * are all optional (a settings change) still takes its argument.
 */
type Action<C extends InvokeChannel> = (
  ...args: InvokeRequest<C> extends Record<string, never> ? [] : [request: InvokeRequest<C>]
) => Promise<InvokeResponse<C>>;
type Subscription<E extends EventChannel> = (listener: (payload: EventPayload<E>) => void) => () => void;

export interface OmnideskApi {
  system: { info: Action<'system.info'> };
  engine: {
    status: Action<'engine.status'>;
    openStream: Action<'engine.openStream'>;
    onState: Subscription<'engine.state'>;
  };
  models: {
    list: Action<'models.list'>;
    catalog: Action<'models.catalog'>;
    disk: Action<'models.disk'>;
    jobs: Action<'models.jobs'>;
    pull: Action<'models.pull'>;
    pause: Action<'models.pause'>;
    resume: Action<'models.resume'>;
    cancel: Action<'models.cancel'>;
    remove: Action<'models.remove'>;
    onProgress: Subscription<'models.progress'>;
  };
  chat: {
    send: Action<'chat.send'>;
    interrupt: Action<'chat.interrupt'>;
    onTurnEvent: Subscription<'turn.event'>;
  };
  conversations: {
    list: Action<'conversations.list'>;
    get: Action<'conversations.get'>;
    search: Action<'conversations.search'>;
    rename: Action<'conversations.rename'>;
    delete: Action<'conversations.delete'>;
    export: Action<'conversations.export'>;
    media: Action<'conversations.media'>;
    saveAudio: Action<'conversations.saveAudio'>;
    setBackend: Action<'conversations.setBackend'>;
    onChanged: Subscription<'conversations.changed'>;
  };
  remote: {
    list: Action<'remote.list'>;
    save: Action<'remote.save'>;
    remove: Action<'remote.remove'>;
    check: Action<'remote.check'>;
  };
  screen: {
    sources: Action<'screen.sources'>;
    choose: Action<'screen.choose'>;
  };
  pushToTalk: {
    status: Action<'pushToTalk.status'>;
    onHotkey: Subscription<'pushToTalk.hotkey'>;
    onStatus: Subscription<'pushToTalk.status'>;
  };
  settings: {
    get: Action<'settings.get'>;
    set: Action<'settings.set'>;
    onChanged: Subscription<'settings.changed'>;
  };
}

export function createOmnideskApi(transport: BridgeTransport): OmnideskApi {
  const action =
    <C extends InvokeChannel>(channel: C): Action<C> =>
    async (...args: unknown[]) => {
      const result = await transport.invoke(channel, args[0] ?? {});
      if (!result.ok) throw result.error;
      return result.value as InvokeResponse<C>;
    };
  const subscription =
    <E extends EventChannel>(channel: E): Subscription<E> =>
    (listener) => {
      if (typeof listener !== 'function') throw new TypeError(`${channel}: listener must be a function`);
      return transport.subscribe(channel, listener as (payload: unknown) => void);
    };
  return {
    system: { info: action('system.info') },
    engine: {
      status: action('engine.status'),
      openStream: action('engine.openStream'),
      onState: subscription('engine.state'),
    },
    models: {
      list: action('models.list'),
      catalog: action('models.catalog'),
      disk: action('models.disk'),
      jobs: action('models.jobs'),
      pull: action('models.pull'),
      pause: action('models.pause'),
      resume: action('models.resume'),
      cancel: action('models.cancel'),
      remove: action('models.remove'),
      onProgress: subscription('models.progress'),
    },
    chat: {
      send: action('chat.send'),
      interrupt: action('chat.interrupt'),
      onTurnEvent: subscription('turn.event'),
    },
    conversations: {
      list: action('conversations.list'),
      get: action('conversations.get'),
      search: action('conversations.search'),
      rename: action('conversations.rename'),
      delete: action('conversations.delete'),
      export: action('conversations.export'),
      media: action('conversations.media'),
      saveAudio: action('conversations.saveAudio'),
      setBackend: action('conversations.setBackend'),
      onChanged: subscription('conversations.changed'),
    },
    remote: {
      list: action('remote.list'),
      save: action('remote.save'),
      remove: action('remote.remove'),
      check: action('remote.check'),
    },
    screen: {
      sources: action('screen.sources'),
      choose: action('screen.choose'),
    },
    pushToTalk: {
      status: action('pushToTalk.status'),
      onHotkey: subscription('pushToTalk.hotkey'),
      onStatus: subscription('pushToTalk.status'),
    },
    settings: {
      get: action('settings.get'),
      set: action('settings.set'),
      onChanged: subscription('settings.changed'),
    },
  };
}
