import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appResponse, contentType, registerAppScheme, resolveAppFile, serveRenderer } from './protocol';
import { CONTENT_SECURITY_POLICY } from './security';

let sandbox: string;
let root: string;

beforeAll(() => {
  sandbox = mkdtempSync(path.join(tmpdir(), 'omnidesk-protocol-'));
  root = path.join(sandbox, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Omnidesk</title>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'assets', 'a b.css'), 'body{}');
  writeFileSync(path.join(sandbox, 'secret.txt'), 'not for the page');
  symlinkSync(path.join(sandbox, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
  symlinkSync(sandbox, path.join(root, 'outside'));
});

afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

describe('resolveAppFile', () => {
  it('serves index.html for the root', async () => {
    expect(await resolveAppFile(root, 'app://omnidesk/')).toBe(path.join(root, 'index.html'));
    expect(await resolveAppFile(root, 'app://omnidesk')).toBe(path.join(root, 'index.html'));
  });

  it('serves files of the renderer folder, ignoring query and hash', async () => {
    expect(await resolveAppFile(root, 'app://omnidesk/assets/app.js?v=1#x')).toBe(path.join(root, 'assets', 'app.js'));
    expect(await resolveAppFile(root, 'app://omnidesk/assets/a%20b.css')).toBe(path.join(root, 'assets', 'a b.css'));
  });

  it.each([
    ['a parent segment', 'app://omnidesk/../secret.txt'],
    ['an encoded parent segment', 'app://omnidesk/%2e%2e/secret.txt'],
    ['an encoded slash', 'app://omnidesk/assets%2f..%2f..%2fsecret.txt'],
    ['an encoded backslash', 'app://omnidesk/..%5csecret.txt'],
    ['a NUL byte', 'app://omnidesk/index.html%00.js'],
    ['malformed escapes', 'app://omnidesk/%E0%A4%A'],
    ['an encoded absolute path', `app://omnidesk/${encodeURIComponent('/etc/passwd')}`],
    ['a symlinked file outside', 'app://omnidesk/assets/link.txt'],
    ['a symlinked folder outside', 'app://omnidesk/outside/secret.txt'],
    ['a folder', 'app://omnidesk/assets/'],
    ['a missing file', 'app://omnidesk/nope.js'],
    ['another host', 'app://other/index.html'],
    ['another scheme', 'file:///index.html'],
  ])('refuses %s', async (_what, url) => {
    expect(await resolveAppFile(root, url)).toBeNull();
  });
});

describe('appResponse', () => {
  const get = (url: string, method = 'GET') => appResponse(root, new Request(url, { method }));

  it('answers a file with its content type, the CSP and nosniff', async () => {
    const response = await get('app://omnidesk/index.html');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Omnidesk</title>');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves scripts as JavaScript, which module scripts require', async () => {
    const response = await get('app://omnidesk/assets/app.js');
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('answers 404 for anything outside the renderer folder, still with the CSP', async () => {
    const response = await get('app://omnidesk/%2e%2e/secret.txt');
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('not for the page');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('answers HEAD without a body and refuses writes', async () => {
    const head = await get('app://omnidesk/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await get('app://omnidesk/index.html', 'POST')).status).toBe(405);
  });
});

describe('content types', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['chunk.MJS', 'text/javascript; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
    ['ort.wasm', 'application/wasm'],
    ['icon.svg', 'image/svg+xml'],
    ['font.woff2', 'font/woff2'],
    ['blob.bin', 'application/octet-stream'],
  ])('%s is %s', (file, type) => {
    expect(contentType(file)).toBe(type);
  });
});

describe('registration', () => {
  it('makes app: a standard, secure scheme that fetch can use', () => {
    const protocol = { registerSchemesAsPrivileged: vi.fn() };
    registerAppScheme(protocol);
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
  });

  it('handles the app scheme from the renderer folder', async () => {
    const protocol = { handle: vi.fn() };
    serveRenderer(protocol, root);
    expect(protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
    const handler = protocol.handle.mock.calls[0][1] as (request: Request) => Promise<Response>;
    expect((await handler(new Request('app://omnidesk/index.html'))).status).toBe(200);
  });
});
