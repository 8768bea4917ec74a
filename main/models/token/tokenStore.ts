/**
 * Where the Hub token for gated repositories comes from. The app keeps it encrypted by the OS (./electronSafeStorage.ts)
 * and never in plain text; the CLI only reads `HF_TOKEN`, as ../shared/spec/cli-contract.md says, and never stores
 * anything.
 */
import { ModelError } from '../errors';

export interface TokenStore {
  get(): Promise<string | undefined>;
  set(token: string): Promise<void>;
  clear(): Promise<void>;
}

export class EnvTokenStore implements TokenStore {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async get(): Promise<string | undefined> {
    return this.env.HF_TOKEN?.trim() || undefined;
  }

  async set(): Promise<void> {
    throw new ModelError('INVALID_REQUEST', 'The command line does not store tokens', 'Set HF_TOKEN in the environment for the command instead.');
  }

  async clear(): Promise<void> {
    throw new ModelError('INVALID_REQUEST', 'The command line does not store tokens', 'Unset HF_TOKEN in the environment instead.');
  }
}
