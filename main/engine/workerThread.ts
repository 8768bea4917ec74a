/**
 * Worker threads on the engine's own modules: the builder's quantisers, the local assistant. In the app each worker
 * module is an entry electron-vite bundles into out/main/ beside the process entries; where the TypeScript sources
 * run (tsx for the CLI and the preview's engine, vitest for the tests) the worker's source is bundled here first, by
 * the esbuild tsx runs on. A worker inherits neither the ESM hooks tsx registers in its parent nor vitest's
 * transform, and tsx registered inside each worker would leave an esbuild process behind per worker (terminating
 * the worker does not stop it); this way the one esbuild service of this process does it, once per module.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The worker module `name` of the module at `fromUrl` (its `import.meta.url`): `name.ts` beside it in the sources,
 * `name.js` in out/main/ in the app, whether the caller was bundled into a process entry or a shared chunk.
 */
export function workerModule(fromUrl: string, name: string): string {
  const from = fileURLToPath(fromUrl);
  if (from.endsWith('.ts')) return path.join(path.dirname(from), `${name}.ts`);
  const dir = path.dirname(from);
  return path.join(path.basename(dir) === 'chunks' ? path.dirname(dir) : dir, `${name}.js`);
}

/** Starts a worker on `entry` (a `workerModule`), its TypeScript source bundled first where that is what runs. */
export async function startWorker(entry: string, options: Omit<WorkerOptions, 'eval'> = {}): Promise<Worker> {
  if (!entry.endsWith('.ts')) return new Worker(entry, options);
  return new Worker(await bundledSource(entry), { ...options, eval: true });
}

/** Packages with native addons: they load from node_modules, as they do in the app, never bundled. */
const NATIVE_PACKAGES = /^(onnxruntime-node|sharp|better-sqlite3)(\/|$)/;

/** The parts of esbuild used here (esbuild's own types are not a dependency of this package). */
interface Esbuild {
  build(options: {
    entryPoints: string[];
    bundle: true;
    platform: 'node';
    format: 'cjs';
    write: false;
    logLevel: 'silent';
    define: Record<string, string>;
    plugins: { name: string; setup(build: { onResolve(options: { filter: RegExp }, resolve: (args: { path: string }) => { path: string; external: true }): void }): void }[];
  }): Promise<{ outputFiles: { text: string }[] }>;
}

const bundled = new Map<string, Promise<string>>();

/**
 * `entry` as one CommonJS script. Native packages stay `require`s of their absolute paths, which resolve from an
 * eval'd worker wherever the process runs. `import.meta.url` (which CommonJS lacks) becomes the entry's own URL: the
 * engine uses it only to `createRequire` packages, which resolve the same from any module of this project.
 */
function bundledSource(entry: string): Promise<string> {
  let source = bundled.get(entry);
  if (!source) {
    const packageRequire = createRequire(import.meta.url);
    const esbuild = createRequire(packageRequire.resolve('tsx/cjs/api'))('esbuild') as Esbuild;
    source = esbuild
      .build({
        entryPoints: [entry],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        write: false,
        logLevel: 'silent',
        define: { 'import.meta.url': JSON.stringify(pathToFileURL(entry).href) },
        plugins: [{ name: 'native-packages', setup: (build) => build.onResolve({ filter: NATIVE_PACKAGES }, (args) => ({ path: packageRequire.resolve(args.path), external: true })) }],
      })
      .then((out) => out.outputFiles[0].text);
    bundled.set(entry, source);
  }
  return source;
}
