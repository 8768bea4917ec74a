/**
 * Omnidesk's data folder, shared by the desktop app and the CLI: `--home DIR`, else `OMNIDESK_HOME`, else the
 * folder Electron's `app.getPath('userData')` gives an app named "Omnidesk" — computed here without Electron so
 * the CLI finds the models the app installed.
 */
import os from 'node:os';
import path from 'node:path';

export const APP_NAME = 'Omnidesk';

export function defaultHome(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  homedir: string = os.homedir(),
): string {
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  switch (platform) {
    case 'win32':
      return join(env.APPDATA ?? join(homedir, 'AppData', 'Roaming'), APP_NAME);
    case 'darwin':
      return join(homedir, 'Library', 'Application Support', APP_NAME);
    default:
      return join(env.XDG_CONFIG_HOME || join(homedir, '.config'), APP_NAME);
  }
}

export function resolveHome(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env.OMNIDESK_HOME;
  return chosen ? path.resolve(chosen) : defaultHome(process.platform, env);
}

export const homePaths = (home: string) => ({
  home,
  models: path.join(home, 'models'),
  downloads: path.join(home, 'downloads'),
  state: path.join(home, 'state'),
});
