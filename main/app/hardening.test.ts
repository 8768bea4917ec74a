import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { hardenAllWebContents, hardenSession, hardenWebContents } from './hardening';
import { APP_ENTRY_URL, CONTENT_SECURITY_POLICY } from './security';

function fakeContents() {
  const emitter = new EventEmitter();
  let openHandler: ((details: { url: string }) => { action: string }) | undefined;
  const contents = {
    on: (event: string, listener: (...args: unknown[]) => void) => emitter.on(event, listener),
    setWindowOpenHandler: (handler: typeof openHandler) => {
      openHandler = handler;
    },
  };
  /** Emits an Electron-style event object and tells whether a handler refused it. */
  const emit = (name: string, url = '') => {
    const event = { url, preventDefault: vi.fn() };
    emitter.emit(name, event);
    return event.preventDefault.mock.calls.length > 0;
  };
  return { contents, emit, open: (url: string) => openHandler?.({ url }) };
}

describe('web contents hardening', () => {
  const { contents, emit, open } = fakeContents();
  hardenWebContents(contents as never);

  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])('%s stays inside the app', (name) => {
    expect(emit(name, 'https://example.com/')).toBe(true);
    expect(emit(name, 'file:///etc/passwd')).toBe(true);
    expect(emit(name, 'app://omnidesk/index.html#/chat')).toBe(false);
  });

  it('opens no window, not even for app URLs', () => {
    expect(open('https://example.com/')).toEqual({ action: 'deny' });
    expect(open(APP_ENTRY_URL)).toEqual({ action: 'deny' });
  });

  it('attaches no webview', () => {
    expect(emit('will-attach-webview')).toBe(true);
  });

  it('is applied to every web contents the app creates', () => {
    const app = new EventEmitter();
    hardenAllWebContents(app as never);
    const created = fakeContents();
    app.emit('web-contents-created', {}, created.contents);
    expect(created.emit('will-navigate', 'https://example.com/')).toBe(true);
    expect(created.open('https://example.com/')).toEqual({ action: 'deny' });
  });
});

/** `chosen`: the source the requesting window picked, null for none. */
function fakeSession(chosen: object | null = { id: 'window:42:0', name: 'Notes' }) {
  const session = {
    setPermissionRequestHandler: vi.fn(),
    setPermissionCheckHandler: vi.fn(),
    setDisplayMediaRequestHandler: vi.fn(),
    webRequest: { onHeadersReceived: vi.fn() },
  };
  const capture = { sourceFor: vi.fn(async (_frame: unknown) => chosen ?? undefined) };
  hardenSession(session as never, capture as never);
  const handler = <T>(mock: { mock: { calls: unknown[][] } }) => mock.mock.calls[0][0] as T;
  return {
    capture,
    request: (permission: string, details: object) =>
      new Promise<boolean>((resolve) =>
        handler<(...args: unknown[]) => void>(session.setPermissionRequestHandler)({}, permission, resolve, details),
      ),
    check: (permission: string, origin: string, details: object) =>
      handler<(...args: unknown[]) => boolean>(session.setPermissionCheckHandler)(null, permission, origin, details),
    displayMedia: (request: object) =>
      new Promise<unknown>((resolve) =>
        handler<(...args: unknown[]) => void>(session.setDisplayMediaRequestHandler)(request, resolve),
      ),
    headers: (details: object) =>
      new Promise<unknown>((resolve) =>
        handler<(...args: unknown[]) => void>(session.webRequest.onHeadersReceived)(details, resolve),
      ),
  };
}

describe('session hardening', () => {
  const appPage = { requestingUrl: APP_ENTRY_URL, isMainFrame: true };
  const topFrame = { url: APP_ENTRY_URL, parent: null };

  it('answers permission requests: the microphone for the app page, nothing for others', async () => {
    const session = fakeSession();
    await expect(session.request('media', { ...appPage, mediaTypes: ['audio'] })).resolves.toBe(true);
    await expect(session.request('geolocation', appPage)).resolves.toBe(false);
    await expect(
      session.request('media', { requestingUrl: 'https://evil.example/', isMainFrame: true, mediaTypes: ['audio'] }),
    ).resolves.toBe(false);
  });

  it('answers permission checks the same way, falling back to the requesting origin', () => {
    const session = fakeSession();
    expect(session.check('media', 'app://omnidesk/', { isMainFrame: true, mediaType: 'unknown' })).toBe(true);
    expect(session.check('media', 'https://evil.example/', { isMainFrame: true, mediaType: 'audio' })).toBe(false);
    expect(session.check('notifications', 'app://omnidesk/', appPage)).toBe(false);
  });

  it('shares with the app page the source its window chose', async () => {
    const session = fakeSession();
    const streams = await session.displayMedia({ frame: topFrame, securityOrigin: 'app://omnidesk', videoRequested: true });
    expect(streams).toEqual({ video: { id: 'window:42:0', name: 'Notes' } });
    expect(session.capture.sourceFor).toHaveBeenCalledWith(topFrame);
  });

  it('refuses screen capture to subframes, vanished frames and other origins without asking for their choice', async () => {
    const session = fakeSession();
    const refused = [
      { frame: { url: APP_ENTRY_URL, parent: topFrame }, securityOrigin: 'app://omnidesk' },
      { frame: null, securityOrigin: 'app://omnidesk' },
      { frame: { url: 'https://evil.example/', parent: null }, securityOrigin: 'https://evil.example' },
    ];
    for (const request of refused) await expect(session.displayMedia(request)).resolves.toBeNull();
    expect(session.capture.sourceFor).not.toHaveBeenCalled();
  });

  it('refuses screen capture when the window chose nothing, never falling back to a screen', async () => {
    const session = fakeSession(null);
    await expect(session.displayMedia({ frame: topFrame, securityOrigin: 'app://omnidesk' })).resolves.toBeNull();
  });

  it('adds the CSP to app responses that lack it and leaves other responses alone', async () => {
    const session = fakeSession();
    await expect(session.headers({ url: APP_ENTRY_URL, responseHeaders: { 'Content-Type': ['text/html'] } })).resolves.toEqual({
      responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
    await expect(session.headers({ url: 'devtools://devtools/bundled/index.html', responseHeaders: {} })).resolves.toEqual({});
  });
});
