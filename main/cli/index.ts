/**
 * The `omnidesk` command: the engine in-process, headless. Commands are added by extending `COMMANDS`; the
 * contract for the model commands (build, preprocess, run, pull, serve) is ../shared/spec/cli-contract.md.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createRequire } from 'node:module';
import { resolveHome } from '../engine/home';
import { infoCommand } from './commands/info';
import { modelsCommand } from './commands/models';
import { preprocessCommand, turnInputs, videoBounds } from './commands/preprocess';
import { EXIT, processIo, reportError, UsageError, type Io } from './output';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/** parseArgs' tokens: options in command-line order, which its grouped `values` lose. */
type ArgToken = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

interface Command {
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** How many positional arguments the command takes. */
  positionals: number;
  run: (io: Io, values: Record<string, unknown>, positionals: string[], tokens: ArgToken[]) => Promise<void>;
}

const homeOption = { home: { type: 'string' } } as const;
const jsonOption = { json: { type: 'boolean', default: false } } as const;

const COMMANDS: Record<string, Command> = {
  info: {
    usage: 'omnidesk info [--json] [--home DIR]',
    summary: 'Show ONNX Runtime, the execution providers that work on this machine and the one chosen',
    options: { ...homeOption, ...jsonOption },
    positionals: 0,
    run: (io, values) => infoCommand(io, { home: resolveHome(values.home as string | undefined), json: values.json === true }),
  },
  models: {
    usage: 'omnidesk models [--json] [--home DIR]',
    summary: 'List installed models, their built variants and sizes',
    options: { ...homeOption, ...jsonOption },
    positionals: 0,
    run: (io, values) => modelsCommand(io, { home: resolveHome(values.home as string | undefined), json: values.json === true }),
  },
  preprocess: {
    usage: 'omnidesk preprocess <checkpoint-or-bundle-dir> [inputs] --dump DIR',
    summary:
      'Run only the processor on one user turn and write its tensors as .npy files; inputs, repeatable and kept in order: ' +
      '--audio/--image/--video FILE, --text/--system TEXT, --use-audio-in-video; video frame bounds: --video-min/max-pixels N',
    options: {
      audio: { type: 'string', multiple: true },
      image: { type: 'string', multiple: true },
      video: { type: 'string', multiple: true },
      text: { type: 'string', multiple: true },
      system: { type: 'string', multiple: true },
      'use-audio-in-video': { type: 'boolean', default: false },
      'video-min-pixels': { type: 'string' },
      'video-max-pixels': { type: 'string' },
      dump: { type: 'string' },
    },
    positionals: 1,
    run: (io, values, [dir], tokens) => {
      if (dir === undefined) throw new UsageError('preprocess: give the checkpoint or bundle directory');
      if (typeof values.dump !== 'string') throw new UsageError('preprocess: --dump DIR is required');
      return preprocessCommand(io, {
        dir,
        dump: values.dump,
        inputs: turnInputs(tokens),
        useAudioInVideo: values['use-audio-in-video'] === true,
        videoBounds: videoBounds(values['video-min-pixels'], values['video-max-pixels']),
      });
    },
  },
};

export function helpText(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  return [
    `omnidesk ${pkg.version} — Qwen3-Omni on your own machine`,
    '',
    'Usage: omnidesk <command> [options]',
    '',
    'Commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'Options for every command:',
    '  --home DIR   data folder shared with the desktop app (default: $OMNIDESK_HOME, else the app data folder)',
    '  -h, --help   show this help',
    '  --version    print the version',
    '',
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
