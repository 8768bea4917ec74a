/**
 * The `omnidesk` command: the engine in-process, headless. Commands are added by extending `COMMANDS`; the
 * contract for the model commands (build, preprocess, run, pull, serve) is ../shared/spec/cli-contract.md.
 */
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import type { Command } from './command';
import { buildCommand } from './commands/build';
import { infoCommand } from './commands/info';
import { modelsCommand } from './commands/models';
import { preprocessCommand } from './commands/preprocess';
import { pullCommand } from './commands/pull';
import { rmCommand } from './commands/rm';
import { runCommand } from './commands/run';
import { serveCommand } from './commands/serve';
import { EXIT, processIo, reportError, UsageError, type Io } from './output';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

const COMMANDS: Record<string, Command> = {
  info: infoCommand,
  models: modelsCommand,
  pull: pullCommand,
  rm: rmCommand,
  build: buildCommand,
  preprocess: preprocessCommand,
  run: runCommand,
  serve: serveCommand,
};

export function helpText(): string {
  return [
    `omnidesk ${pkg.version} — Qwen3-Omni on your own machine`,
    '',
    'Usage: omnidesk <command> [options]',
    '',
    'Commands:',
    ...Object.values(COMMANDS).flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '',
    '--home DIR (or $OMNIDESK_HOME) is the data folder shared with the desktop app; the default is the app data folder.',
    'omnidesk <command> --help shows one command; --version prints the version.',
    'Results go to stdout; progress and errors go to stderr. Exit status: 0 ok, 1 failed, 2 usage error.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return EXIT.ok;
  }
  if (name === '--version') {
    io.out(`${pkg.version}\n`);
    return EXIT.ok;
  }
  try {
    const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) throw new UsageError(`unknown command "${name}"`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`Usage: ${command.usage}\n\n${command.summary}.\n`);
      return EXIT.ok;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true, tokens: true });
    } catch (error) {
      throw new UsageError(`${name}: ${(error as Error).message}`);
    }
    if (parsed.positionals.length > command.positionals) {
      throw new UsageError(`${name}: unexpected argument "${parsed.positionals[command.positionals]}" (usage: ${command.usage})`);
    }
    await command.run(io, parsed.values, parsed.positionals, parsed.tokens);
    return EXIT.ok;
  } catch (error) {
    return reportError(io, error);
  }
}
