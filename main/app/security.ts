/**
 * The app's security policy as data and pure decisions. No Electron import here: the renderer's Vite config
 * imports the CSP from this module, so the meta tag and the response header cannot drift apart.
 * `hardening.ts` installs these decisions on Electron's sessions and web contents.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'omnidesk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
];

/** Sent as a response header on everything the app protocol serves. */
export const CONTENT_SECURITY_POLICY = CSP_DIRECTIVES.join('; ');

/** The same policy for a `<meta>` tag, where browsers ignore `frame-ancestors` and log an error about it. */
export const CONTENT_SECURITY_POLICY_META = CSP_DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors')).join('; ');

/**
 * True for URLs of the app's own origin. Compares scheme and host by hand: WHATWG `URL.origin` is "null" for
 * schemes Node does not know as special, `app:` among them.
 */
export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && !parsed.username && !parsed.password;
  } catch {
    return false;
  }
}

/** The page may only ever show app content: any navigation elsewhere (a link, a redirect, a script) is refused. */
export const isAllowedNavigation = (url: string): boolean => isAppUrl(url);

const GRANTABLE_PERMISSIONS = new Set(['media', 'display-capture']);
const MEDIA_TYPES = new Set(['audio', 'video']);

/** What Electron tells us about a permission request or check, both shapes reduced to what the decision uses. */
export interface PermissionDetails {
  requestingUrl?: string;
  securityOrigin?: string;
  isMainFrame?: boolean;
  /** Requests only: microphone (`audio`) and/or camera (`video`); for display capture, screen video and audio. */
  mediaTypes?: readonly string[];
}

/**
 * Microphone, camera and display capture are granted to the app's own top frame and nothing else: no other
 * permission, origin, iframe or media type.
 */
export function permissionDecision(permission: string, requestingUrl: string | undefined, details: PermissionDetails): boolean {
  if (!GRANTABLE_PERMISSIONS.has(permission)) return false;
  if (!isAppUrl(requestingUrl) || details.isMainFrame !== true) return false;
  if (details.securityOrigin !== undefined && !isAppUrl(details.securityOrigin)) return false;
  if (details.mediaTypes && !details.mediaTypes.every((type) => MEDIA_TYPES.has(type))) return false;
  return true;
}
