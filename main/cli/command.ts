/** What a CLI command declares: its usage line, options, positional count and what it runs. */
import type { parseArgs, ParseArgsConfig } from 'node:util';
import type { Io } from './output';

/** parseArgs' tokens: options in command-line order, which its grouped `values` lose. */
export type ArgToken = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

export interface Command {
  usage: string;
  summary: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** How many positional arguments the command takes. */
  positionals: number;
  run: (io: Io, values: Record<string, unknown>, positionals: string[], tokens: ArgToken[]) => Promise<void>;
}

export const homeOption = { home: { type: 'string' } } as const;
export const jsonOption = { json: { type: 'boolean', default: false } } as const;
