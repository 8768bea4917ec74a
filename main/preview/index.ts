/**
 * `npm run preview [-- --port N] [-- --home DIR]`: serves the built renderer with the engine behind it and prints
 * the URL to open (token included) as the only stdout line; everything else goes to stderr.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startPreviewServer } from './server';

const usage = 'usage: npm run preview -- [--port N] [--home DIR]';

async function main() {
  const { values } = parseArgs({ options: { port: { type: 'string' }, home: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0–65535 (got "${values.port}")\n${usage}`);

  const server = await startPreviewServer({
    rendererDir: fileURLToPath(new URL('../../out/renderer', import.meta.url)),
    port,
    home: values.home,
  });
  process.stdout.write(`${server.url}\n`);
  process.stderr.write('Preview server on 127.0.0.1 only. Open the URL above; Ctrl+C stops it and the engine.\n');
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`omnidesk preview: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
