import { describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { installMenu, menuTemplate } from './menu';

const roles = (items: MenuItemConstructorOptions[]): string[] =>
  items.flatMap((item) => [
    ...(item.role ? [item.role] : []),
    ...(Array.isArray(item.submenu) ? roles(item.submenu) : []),
  ]);

describe('application menu', () => {
  it('offers DevTools and reload in development only', () => {
    expect(roles(menuTemplate({ platform: 'linux', packaged: false }))).toEqual(
      expect.arrayContaining(['toggleDevTools', 'reload', 'forceReload']),
    );
    const packaged = roles(menuTemplate({ platform: 'linux', packaged: true }));
    expect(packaged).not.toContain('toggleDevTools');
    expect(packaged).not.toContain('reload');
  });

  it('keeps the edit menu, without which copy and paste stop working', () => {
    expect(roles(menuTemplate({ platform: 'win32', packaged: true }))).toContain('editMenu');
  });

  it('has the macOS app menu on macOS only', () => {
    expect(roles(menuTemplate({ platform: 'darwin', packaged: true }))[0]).toBe('appMenu');
    expect(roles(menuTemplate({ platform: 'linux', packaged: true }))).not.toContain('appMenu');
  });

  it('is installed as the application menu', () => {
    const built = { items: [] };
    const menu = { buildFromTemplate: vi.fn(() => built), setApplicationMenu: vi.fn() };
    installMenu(menu as never, { platform: 'linux', packaged: true });
    expect(menu.buildFromTemplate).toHaveBeenCalledWith(menuTemplate({ platform: 'linux', packaged: true }));
    expect(menu.setApplicationMenu).toHaveBeenCalledWith(built);
  });
});
