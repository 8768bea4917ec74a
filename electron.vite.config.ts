import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

const here = (...parts: string[]) => resolve(import.meta.dirname, ...parts);

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        // The engine is a second entry: main starts it as a utilityProcess from out/main/engine.js.
        input: { index: here('main/app/index.ts'), engine: here('main/engine/process.ts') },
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
    plugins: [react(), tailwindcss()],
    build: {
      outDir: here('out/renderer'),
      minify: true,
      rolldownOptions: { input: here('renderer/index.html') },
    },
  },
});
