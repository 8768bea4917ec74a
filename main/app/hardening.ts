/**
 * Installs the policy of `security.ts` on Electron: every web contents the app ever creates gets navigation,
 * window-opening and webview attachment refused, and the session answers permission and screen-capture requests
 * through `permissionDecision`; a permitted screen capture shares only what the user picked (`displayCapture.ts`).
 * The CSP header here is a fallback; the app protocol already sends it.
 */
import type { App, DesktopCapturerSource, Session, WebContents, WebFrameMain } from 'electron';
import { CONTENT_SECURITY_POLICY, isAllowedNavigation, isAppUrl, permissionDecision } from './security';

type Contents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

export function hardenWebContents(contents: Contents): void {
  const refuseForeign = (event: { preventDefault(): void }, url: string) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  };
  contents.on('will-navigate', (event) => refuseForeign(event, event.url));
  contents.on('will-frame-navigate', (event) => refuseForeign(event, event.url));
  contents.on('will-redirect', (event) => refuseForeign(event, event.url));
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Hardens each web contents as it is created, so none (a devtools page, a future window) is ever missed. */
export function hardenAllWebContents(app: Pick<App, 'on'>): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
}

export interface CaptureGrants {
  /** The source the user chose for this frame's window, used up by this request; undefined refuses it. */
  sourceFor(frame: WebFrameMain): Promise<DesktopCapturerSource | undefined>;
}

type SessionHooks = Pick<
  Session,
  'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDisplayMediaRequestHandler'
> & { webRequest: Pick<Session['webRequest'], 'onHeadersReceived'> };

export function hardenSession(session: SessionHooks, capture: CaptureGrants): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionDecision(permission, details.requestingUrl, details)),
  );
  // Checks carry no mediaTypes: `mediaType` may be "unknown" when Chromium asks in general (device labels).
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    permissionDecision(permission, details.requestingUrl ?? requestingOrigin, details),
  );
  session.setDisplayMediaRequestHandler((request, callback) => {
    const fromAppTopFrame = request.frame !== null && request.frame.parent === null;
    const granted = permissionDecision('display-capture', request.frame?.url, {
      securityOrigin: request.securityOrigin,
      isMainFrame: fromAppTopFrame,
    });
    if (!granted || !request.frame) return callback(null);
    capture
      .sourceFor(request.frame)
      // System audio loopback exists only on Windows; the picture is what the model looks at.
      .then((source) => callback(source ? { video: source } : null))
      .catch(() => callback(null));
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url)) return callback({});
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
}
