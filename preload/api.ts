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

/** Actions whose request has no fields take no argument: `system.info()`, not `system.info({})`. */
type Action<C extends InvokeChannel> = (
  ...args: Record<string, never> extends InvokeRequest<C> ? [] : [request: InvokeRequest<C>]
) => Promise<InvokeResponse<C>>;
type Subscription<E extends EventChannel> = (listener: (payload: EventPayload<E>) => void) => () => void;

export interface OmnideskApi {
  system: { info: Action<'system.info'> };
  engine: {
    status: Action<'engine.status'>;
    openStream: Action<'engine.openStream'>;
    onState: Subscription<'engine.state'>;
  };
  models: { list: Action<'models.list'> };
  chat: {
    send: Action<'chat.send'>;
    interrupt: Action<'chat.interrupt'>;
    onTurnEvent: Subscription<'turn.event'>;
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
    models: { list: action('models.list') },
    chat: {
      send: action('chat.send'),
      interrupt: action('chat.interrupt'),
      onTurnEvent: subscription('turn.event'),
    },
  };
}
