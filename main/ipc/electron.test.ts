import { describe, expect, it } from 'vitest';
import { isTrustedSender, registerIpc } from './electron';
import { invokeChannels } from './contract';
import type { Handlers } from './dispatch';

const APP_ORIGIN = 'app://omnidesk';

describe('IPC sender check', () => {
  it('trusts only the top frame of the app origin', () => {
    expect(isTrustedSender({ url: 'app://omnidesk/index.html', parent: null }, APP_ORIGIN)).toBe(true);
    expect(isTrustedSender({ url: 'app://omnidesk/index.html', parent: {} }, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null }, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender({ url: 'app://omnidesk.evil/index.html', parent: null }, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender({ url: 'file:///index.html', parent: null }, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender({ url: 'not a url', parent: null }, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender(null, APP_ORIGIN)).toBe(false);
  });
});

describe('registerIpc', () => {
  function fakeIpcMain() {
    const handlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
    return {
      handlers,
      handle: (channel: string, handler: (event: unknown, payload: unknown) => Promise<unknown>) => {
        if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
        handlers.set(channel, handler);
      },
      removeHandler: (channel: string) => handlers.delete(channel),
    };
  }
  const handlers = { 'models.list': async () => ({ models: [] }) } as unknown as Handlers;

  it('registers exactly the contract channels, prefixed', () => {
    const ipc = fakeIpcMain();
    const unregister = registerIpc(ipc as never, () => handlers, APP_ORIGIN);
    expect([...ipc.handlers.keys()].sort()).toEqual(Object.keys(invokeChannels).map((c) => `omnidesk:${c}`).sort());
    unregister();
    expect(ipc.handlers.size).toBe(0);
  });

  it('answers the app page and refuses a foreign frame without running the handler', async () => {
    const ipc = fakeIpcMain();
    let ran = 0;
    registerIpc(ipc as never, () => ({ 'models.list': async () => (ran++, { models: [] }) }) as unknown as Handlers, APP_ORIGIN);
    const call = (url: string, parent: unknown = null) =>
      ipc.handlers.get('omnidesk:models.list')!({ senderFrame: { url, parent }, sender: {} }, {});
    await expect(call('app://omnidesk/index.html')).resolves.toEqual({ ok: true, value: { models: [] } });
    await expect(call('https://ads.example/frame', {})).resolves.toEqual({
      ok: false,
      error: { code: 'FORBIDDEN_SENDER', message: "IPC models.list refused: sent from https://ads.example/frame, not the app's own page" },
    });
    expect(ran).toBe(1);
  });
});
