/** `omnidesk models`: models installed in the data folder, with their built variants and sizes. */
import { homePaths, resolveHome } from '../../engine/home';
import { listInstalledModels } from '../../models/installed';
import { homeOption, jsonOption, type Command } from '../command';
import { formatBytes, type Io } from '../output';

async function runModels(io: Io, options: { home: string; json: boolean }): Promise<void> {
  const models = await listInstalledModels(homePaths(options.home).models);
  if (options.json) {
    io.out(`${JSON.stringify({ home: options.home, models }, null, 2)}\n`);
    return;
  }
  if (models.length === 0) {
    io.out(`No models installed in ${options.home}.\n`);
    return;
  }
  for (const model of models) {
    io.out(`${model.id} @ ${model.revision}\n`);
    for (const variant of model.variants) io.out(`  ${variant.variant.padEnd(6)} ${formatBytes(variant.sizeBytes).padStart(9)}  ${variant.path}\n`);
  }
}

export const modelsCommand: Command = {
  usage: 'omnidesk models [--json] [--home DIR]',
  summary: 'List installed models, their built variants and sizes',
  options: { ...homeOption, ...jsonOption },
  positionals: 0,
  run: (io, values) => runModels(io, { home: resolveHome(values.home as string | undefined), json: values.json === true }),
};
