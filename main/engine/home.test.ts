import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { defaultHome, homePaths, resolveHome } from './home';

describe('data folder', () => {
  it('matches Electron userData for an app named Omnidesk on each platform', () => {
    expect(defaultHome('linux', {}, '/home/ada')).toBe('/home/ada/.config/Omnidesk');
    expect(defaultHome('linux', { XDG_CONFIG_HOME: '/xdg' }, '/home/ada')).toBe('/xdg/Omnidesk');
    expect(defaultHome('darwin', {}, '/Users/ada')).toBe('/Users/ada/Library/Application Support/Omnidesk');
    expect(defaultHome('win32', { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'C:\\Users\\ada')).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\Omnidesk',
    );
  });

  it('prefers --home over OMNIDESK_HOME over the default', () => {
    expect(resolveHome('/flag', { OMNIDESK_HOME: '/env' })).toBe(path.resolve('/flag'));
    expect(resolveHome(undefined, { OMNIDESK_HOME: '/env' })).toBe(path.resolve('/env'));
    expect(homePaths('/h')).toEqual({ home: '/h', models: '/h/models', downloads: '/h/downloads', state: '/h/state' });
  });
});
