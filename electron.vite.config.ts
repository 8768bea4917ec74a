import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { CONTENT_SECURITY_POLICY_META } from './main/app/security';

const here = (...parts: string[]) => resolve(import.meta.dirname, ...parts);

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        // The engine and the model builder are entries of their own: main starts each as a utilityProcess
        // (out/main/engine.js, out/main/builder.js). The builder starts its quantisation workers from
        // out/main/quantizeWorker.js, beside its own entry.
        input: {
          index: here('main/app/index.ts'),
          engine: here('main/engine/process.ts'),
          builder: here('main/models/build/buildProcess.ts'),
          quantizeWorker: here('main/engine/builder/quantizeWorker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // Sandboxed preloads must be one CommonJS file with no runtime requires besides electron.
      externalizeDeps: false,
      isolatedEntries: true,
      rolldownOptions: {
        input: { index: here('preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: here('renderer'),
    plugins: [
      react(),
      tailwindcss(),
      {
        // The page declares the same policy main sends as a header, from the one definition in security.ts.
        name: 'omnidesk-csp-meta',
        transformIndexHtml: () => [
          { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY_META }, injectTo: 'head-prepend' },
        ],
      },
    ],
    build: {
      outDir: here('out/renderer'),
      minify: true,
      rolldownOptions: {
        input: here('renderer/index.html'),
        // The renderer takes only types and constants from the IPC contract; its zod schemas (~90 kB) are for
        // main. With the constants inlined and those modules marked pure, the schemas stay out of the bundle.
        optimization: { inlineConst: { mode: 'all' } },
        treeshake: { moduleSideEffects: (id: string) => !/[/\\]main[/\\](ipc|engine)[/\\]/.test(id) },
      },
    },
  },
});
