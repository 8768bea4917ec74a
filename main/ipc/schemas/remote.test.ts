import { describe, expect, it } from 'vitest';
import { RemoteServerSave } from './remote';
import { DEFAULT_SETTINGS, SettingsPatch } from './settings';

const server = { name: ' gpu-box ', baseUrl: ' https://gpu-box.lan:8091/v1/ ', model: 'Qwen3-Omni-30B-A3B-Instruct' };
const problems = (fields: object) => {
  const parsed = RemoteServerSave.safeParse({ ...server, ...fields });
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('remote server schemas', () => {
  it('take a server with its name trimmed and its address less the trailing slash', () => {
    expect(RemoteServerSave.parse(server)).toEqual({ name: 'gpu-box', baseUrl: 'https://gpu-box.lan:8091/v1', model: 'Qwen3-Omni-30B-A3B-Instruct' });
    expect(RemoteServerSave.parse({ ...server, apiKey: null })).toMatchObject({ apiKey: null });
  });

  it('name the field and the problem for every address that cannot be a server', () => {
    expect(problems({ baseUrl: 'gpu-box:8091' })).toEqual(['baseUrl: must be an http:// or https:// URL (got gpu-box:)']);
    expect(problems({ baseUrl: 'gpu box' })).toEqual(['baseUrl: must be an absolute URL such as http://gpu-box:8091/v1']);
    expect(problems({ baseUrl: 'http://me:pw@gpu-box/v1' })).toEqual(['baseUrl: must not contain a user name or password: put the key in apiKey']);
    expect(problems({ baseUrl: 'http://gpu-box/v1?x=1' })).toEqual(['baseUrl: must not have a query (?…) or fragment (#…)']);
    expect(problems({ model: '' })).toEqual(['model: must name one of the models the server lists']);
    expect(problems({ apiKey: 'sk one' })).toEqual(['apiKey: must be printable ASCII without spaces, as the server issued it']);
  });

  it('leave remote servers off by default, and let a settings change pick only the default backend', () => {
    expect(DEFAULT_SETTINGS.remote).toEqual({ servers: [], defaultBackend: 'local' });
    expect(SettingsPatch.parse({ remote: { defaultBackend: 'server-1' } })).toEqual({ remote: { defaultBackend: 'server-1' } });
    expect(SettingsPatch.safeParse({ remote: { servers: [] } }).success).toBe(false);
  });
});
