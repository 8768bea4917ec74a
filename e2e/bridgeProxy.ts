/**
 * Stands between the page and the preview server's bridge WebSocket (Playwright's `routeWebSocket`), so a test
 * can watch the real traffic and play the parts of the engine that do not exist yet. Every frame passes through
 * unless the test answers a call itself; the test sees them all decoded, and can push server messages — turn
 * events, speech chunks on the page's engine stream — exactly as the server would send them. Nothing in the app
 * knows it is there: no test hooks in production code.
 */
import type { Page, WebSocketRoute } from 'playwright-core';
import type { EventChannel, EventPayload, InvokeResult, StreamDown, StreamUp, TurnEvent } from '../main/ipc/contract';
import { decodeFrame, encodeFrame, type ClientMessage, type ServerMessage } from '../main/preview/wire';
import type { PreviewSession } from './harness';

type Invoke = Extract<ClientMessage, { kind: 'invoke' }>;
/** Answers an invoke in place of the engine, or returns undefined to let it through. */
type Answer = (payload: Record<string, unknown>) => InvokeResult<unknown> | undefined;

export interface BridgeProxy {
  /** Page → server, decoded, in order. */
  sent: ClientMessage[];
  /** Server → page, decoded, in order (pushed ones included). */
  received: ServerMessage[];
  invokes(channel: string): Array<Record<string, unknown>>;
  /** What the page sent on its engine stream. */
  streamUp(): StreamUp[];
  /** What the page was sent on its engine stream. */
  streamDown(): StreamDown[];
  answer(channel: string, answer: Answer): void;
  turnEvent(event: TurnEvent): void;
  /** Sends an event of the contract as main would. */
  event<E extends EventChannel>(channel: E, payload: EventPayload<E>): void;
  /** Sends on the page's (latest) engine stream. */
  stream(message: StreamDown): void;
}

const toWire = (frame: string | Buffer) => (typeof frame === 'string' ? frame : new Uint8Array(frame));
const toRoute = (frame: string | Uint8Array) => (typeof frame === 'string' ? frame : Buffer.from(frame));

export async function proxyBridge(page: Page): Promise<BridgeProxy> {
  const sent: ClientMessage[] = [];
  const received: ServerMessage[] = [];
  const answers = new Map<string, Answer>();
  let route: WebSocketRoute | undefined;

  const toPage = (message: ServerMessage) => {
    received.push(message);
    route?.send(toRoute(encodeFrame(message)));
  };
  await page.routeWebSocket(/\/bridge\?/, (ws) => {
    route = ws;
    const server = ws.connectToServer();
    ws.onMessage((frame) => {
      const message = decodeFrame(toWire(frame)).message as ClientMessage;
      sent.push(message);
      const result = message.kind === 'invoke' ? answers.get(message.channel)?.(message.payload as Record<string, unknown>) : undefined;
      if (result) toPage({ kind: 'result', id: (message as Invoke).id, result });
      else server.send(frame);
    });
    server.onMessage((frame) => {
      received.push(decodeFrame(toWire(frame)).message as ServerMessage);
      ws.send(frame);
    });
  });

  const streamId = () => {
    const opened = received.filter((m) => m.kind === 'stream.opened');
    const latest = opened.at(-1);
    if (!latest || latest.kind !== 'stream.opened') throw new Error('The page has not opened an engine stream yet');
    return latest.streamId;
  };
  return {
    sent,
    received,
    invokes: (channel) =>
      sent.flatMap((m) => (m.kind === 'invoke' && m.channel === channel ? [m.payload as Record<string, unknown>] : [])),
    streamUp: () => sent.flatMap((m) => (m.kind === 'stream' ? [m.message as StreamUp] : [])),
    streamDown: () => received.flatMap((m) => (m.kind === 'stream' ? [m.message as StreamDown] : [])),
    answer: (channel, answer) => answers.set(channel, answer),
    turnEvent: (event) => toPage({ kind: 'event', channel: 'turn.event', payload: event }),
    event: (channel, payload) => toPage({ kind: 'event', channel, payload }),
    stream: (message) => toPage({ kind: 'stream', streamId: streamId(), message }),
  };
}

/** A light page of `session` whose bridge runs through a proxy the test watches; `beforeLoad` adds its own set-up. */
export async function openProxiedPage(session: PreviewSession, beforeLoad?: (page: Page) => Promise<void>): Promise<{ page: Page; proxy: BridgeProxy }> {
  let proxy: BridgeProxy | undefined;
  const page = await session.open({
    colorScheme: 'light',
    beforeLoad: async (p) => {
      proxy = await proxyBridge(p);
      await beforeLoad?.(p);
    },
  });
  return { page, proxy: proxy as BridgeProxy };
}
