/** `omnidesk info`: ONNX Runtime version, the execution providers that really work here, and the one chosen. */
import { homePaths } from '../../engine/home';
import { chooseProvider } from '../../engine/runtime/executionProviders';
import { engineInfo } from '../../engine/system';
import { formatBytes, type Io } from '../output';

export async function infoCommand(io: Io, options: { home: string; json: boolean }): Promise<void> {
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
