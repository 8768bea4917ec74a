/** Electron main entry, built to out/main/index.js; the engine, preload and renderer are found next to it. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOmnidesk } from './lifecycle';

startOmnidesk(path.dirname(fileURLToPath(import.meta.url)));
