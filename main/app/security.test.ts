import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  CONTENT_SECURITY_POLICY_META,
  isAllowedNavigation,
  isAppUrl,
  permissionDecision,
} from './security';

const directives = (policy: string) =>
  new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));

describe('content security policy', () => {
  const csp = directives(CONTENT_SECURITY_POLICY);

  it('is the exact strict policy of the foundation issue', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
        "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'; " +
        "frame-ancestors 'none'",
    );
  });

  it('names no remote origin and allows neither eval nor inline code', () => {
    for (const values of csp.values()) {
      for (const value of values) {
        expect(value).toMatch(/^('self'|'none'|data:|blob:)$/);
      }
    }
  });

  it('lets scripts come only from the app itself', () => {
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
  });

  it('has a meta-tag form that differs only by the header-only frame-ancestors', () => {
    const meta = directives(CONTENT_SECURITY_POLICY_META);
    expect(meta.has('frame-ancestors')).toBe(false);
    expect(new Map([...meta, ['frame-ancestors', ["'none'"]]])).toEqual(csp);
  });
});

describe('app origin', () => {
  it('is app://omnidesk, and the window opens its index page', () => {
    expect(APP_ORIGIN).toBe('app://omnidesk');
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
    expect(isAppUrl('app://omnidesk/')).toBe(true);
    expect(isAppUrl('app://omnidesk')).toBe(true);
  });

  it.each([
    'app://omnidesk.evil/index.html',
    'app://evil/index.html',
    'app://omnidesk:8080/index.html',
    'app://user:pass@omnidesk/index.html',
    'https://omnidesk/index.html',
    'file:///index.html',
    'about:blank',
    'javascript:alert(1)',
    'not a url',
    '',
    undefined,
  ])('does not include %s', (url) => {
    expect(isAppUrl(url)).toBe(false);
  });
});

describe('navigation', () => {
  it('stays inside the app', () => {
    expect(isAllowedNavigation('app://omnidesk/index.html#/settings')).toBe(true);
    expect(isAllowedNavigation('https://example.com/')).toBe(false);
    expect(isAllowedNavigation('http://127.0.0.1:8080/')).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd')).toBe(false);
    expect(isAllowedNavigation('data:text/html,<script>alert(1)</script>')).toBe(false);
  });
});

describe('permissions', () => {
  const page = { requestingUrl: APP_ENTRY_URL, isMainFrame: true };

  it('grants microphone and camera to the app page', () => {
    expect(permissionDecision('media', APP_ENTRY_URL, { ...page, mediaTypes: ['audio'] })).toBe(true);
    expect(permissionDecision('media', APP_ENTRY_URL, { ...page, mediaTypes: ['audio', 'video'] })).toBe(true);
    expect(permissionDecision('media', APP_ENTRY_URL, { ...page, securityOrigin: 'app://omnidesk/' })).toBe(true);
  });

  it('grants display capture to the app page', () => {
    expect(permissionDecision('display-capture', APP_ENTRY_URL, page)).toBe(true);
  });

  it.each(['geolocation', 'notifications', 'clipboard-read', 'openExternal', 'midiSysex', 'usb', 'hid', 'serial', 'unknown'])(
    'denies %s even to the app page',
    (permission) => {
      expect(permissionDecision(permission, APP_ENTRY_URL, page)).toBe(false);
    },
  );

  it('denies media to any other origin', () => {
    expect(permissionDecision('media', 'https://evil.example/', { ...page, mediaTypes: ['audio'] })).toBe(false);
    expect(permissionDecision('media', 'file:///index.html', { ...page, mediaTypes: ['audio'] })).toBe(false);
    expect(permissionDecision('media', undefined, { ...page, mediaTypes: ['audio'] })).toBe(false);
  });

  it('denies a request whose security origin is foreign even if the URL looks like ours', () => {
    expect(permissionDecision('media', APP_ENTRY_URL, { ...page, securityOrigin: 'https://evil.example' })).toBe(false);
  });

  it('denies frames inside the page', () => {
    expect(permissionDecision('media', APP_ENTRY_URL, { ...page, isMainFrame: false })).toBe(false);
    expect(permissionDecision('media', APP_ENTRY_URL, { requestingUrl: APP_ENTRY_URL })).toBe(false);
  });

  it('denies media types other than audio and video', () => {
    expect(permissionDecision('media', APP_ENTRY_URL, { ...page, mediaTypes: ['audio', 'speaker'] })).toBe(false);
  });
});
