import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const onnxruntimeThroughOrt = {
  name: 'onnxruntime-node',
  message: 'Import main/engine/runtime/ort.ts instead: it turns the runtime\'s telemetry off before any session exists.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'release/', 'models/reference/.venv/', 'e2e/screenshots/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine runs in a utilityProcess, the CLI and tests: it must stay pure Node.
    files: ['main/engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'main/engine is pure Node: it must not import electron.' }, onnxruntimeThroughOrt],
          patterns: [
            { group: ['electron/*'], message: 'main/engine is pure Node: it must not import electron.' },
            { group: ['**/app/**', '**/ipc/electron*'], message: 'main/engine must not depend on Electron-side code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/**', 'e2e/**', 'test/**', 'preload/**'],
    ignores: ['main/engine/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [onnxruntimeThroughOrt] }] },
  },
  {
    // Raw ipcMain/ipcRenderer only where the typed contract is registered and exposed.
    files: ['main/**', 'renderer/**'],
    ignores: ['main/ipc/electron.ts', 'main/app/index.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name=/^ipc(Main|Renderer)$/][property.name=/^(on|once|handle|handleOnce|send|sendSync|invoke)$/]",
          message: 'Use the typed IPC contract (main/ipc/contract.ts) instead of raw ipcMain/ipcRenderer.',
        },
        { selector: "ImportExpression[source.value='onnxruntime-node']", message: onnxruntimeThroughOrt.message },
        {
          selector: "Program > VariableDeclaration > VariableDeclarator[id.name='require']",
          message: "electron-vite's ESM output declares `require` atop every chunk, so a module-level `require` of ours stops the built app from loading: name it otherwise (packageRequire).",
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'child_process', 'electron'], message: 'The renderer is sandboxed: no Node or Electron APIs.' },
            { group: ['**/main/engine/**', '**/main/app/**', '**/main/models/**'], message: 'The renderer may import only the IPC contract from main.' },
          ],
        },
      ],
    },
  },
);
