/** `omnidesk info`: ONNX Runtime version, the execution providers that really work here, and the one chosen. */
import { homePaths } from '../../engine/home';
import { chooseProvider } from '../../engine/runtime/executionProviders';
import { engineInfo } from '../../engine/system';
import { homeOption, jsonOption, type Command } from '../command';
import { resolveHome } from '../../engine/home';
import { formatBytes, type Io } from '../output';

async function runInfo(io: Io, options: { home: string; json: boolean }): Promise<void> {
  const info = await engineInfo(homePaths(options.home).state);
  const choice = chooseProvider(info.executionProviders);
  if (options.json) {
    io.out(`${JSON.stringify({ ...info, chosenExecutionProvider: choice.chosen }, null, 2)}\n`);
    return;
  }
  const lines = [
    `ONNX Runtime   ${info.onnxruntime.version}`,
    `Node           ${info.node} (${info.platform}/${info.arch})`,
    `CPU threads    ${info.cpus}`,
    `Memory         ${formatBytes(info.totalMemoryBytes)}`,
    'Execution providers:',
    ...info.executionProviders.map((ep) => `  ${ep.available ? '✓' : '✗'} ${ep.name.padEnd(7)} ${ep.reason}`),
    `Chosen         ${choice.chosen}`,
  ];
  io.out(`${lines.join('\n')}\n`);
}

export const infoCommand: Command = {
  usage: 'omnidesk info [--json] [--home DIR]',
  summary: 'Show ONNX Runtime, the execution providers that work on this machine and the one chosen',
  options: { ...homeOption, ...jsonOption },
  positionals: 0,
  run: (io, values) => runInfo(io, { home: resolveHome(values.home as string | undefined), json: values.json === true }),
};
