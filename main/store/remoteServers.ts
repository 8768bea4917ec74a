/**
 * The remote servers a conversation may be answered by: their names, addresses and models in settings.json, their
 * API keys in the OS-encrypted key store (./apiKeys.ts), kept in step. Keys leave this class only inside the
 * connection a turn or a connection test uses, never in a view.
 */
import { randomUUID } from 'node:crypto';
import { OmniError } from '../engine/errors';
import type { RemoteBackend } from '../engine/protocol';
import type { RemoteCheck, RemoteServer, RemoteServerSave, RemoteServerView } from '../ipc/schemas/remote';
import { LOCAL_BACKEND } from '../ipc/schemas/values';
import type { ApiKeys } from './apiKeys';
import type { SettingsStore } from './settings';

/** A turn of a conversation whose server is gone: said plainly, with the way out. */
export const serverRemoved = (id: string) =>
  new OmniError(
    'INVALID_REQUEST',
    `This conversation was answered by a remote server that has been removed (id ${id}).`,
    'Choose "This computer" or another server above the conversation, then send again.',
  );

const unknownServer = (id: string) =>
  new OmniError('INVALID_REQUEST', `There is no remote server "${id}"`, 'It may have been removed in another window; reopen Settings.');

export class RemoteServers {
  constructor(
    private readonly settings: SettingsStore,
    private readonly keys: ApiKeys,
    private readonly newId: () => string = randomUUID,
  ) {}

  private get servers(): RemoteServer[] {
    return this.settings.settings.remote.servers;
  }

  find(id: string): RemoteServer | undefined {
    return this.servers.find((server) => server.id === id);
  }

  /** Refuses a backend that is neither this computer nor a configured server. */
  assertBackend(backend: string): void {
    if (backend !== LOCAL_BACKEND && !this.find(backend)) throw unknownServer(backend);
  }

  list(): Promise<RemoteServerView[]> {
    return Promise.all(this.servers.map((server) => this.view(server)));
  }

  /** Adds a server (no `id`) or changes one; its key is stored first, so a refused key leaves settings unchanged. */
  async save({ apiKey, ...fields }: RemoteServerSave): Promise<RemoteServerView> {
    if (fields.id !== undefined && !this.find(fields.id)) throw unknownServer(fields.id);
    const server: RemoteServer = { ...fields, id: fields.id ?? this.newId() };
    const sameName = this.servers.find((other) => other.id !== server.id && other.name.toLowerCase() === server.name.toLowerCase());
    if (sameName) throw new OmniError('INVALID_REQUEST', `remote.save: name: a server named "${sameName.name}" already exists`, 'Give each server its own name.');
    if (apiKey) await this.keys.set(server.id, apiKey);
    else if (apiKey === null) await this.keys.delete(server.id);
    const edited = fields.id !== undefined;
    await this.settings.setRemoteServers(edited ? this.servers.map((other) => (other.id === server.id ? server : other)) : [...this.servers, server]);
    return this.view(server);
  }

  async remove(id: string): Promise<boolean> {
    if (!this.find(id)) return false;
    await this.settings.setRemoteServers(this.servers.filter((server) => server.id !== id));
    await this.keys.delete(id);
    return true;
  }

  /** What a turn of a conversation answered by server `id` is sent to. */
  async connection(id: string): Promise<RemoteBackend> {
    const server = this.find(id);
    if (!server) throw serverRemoved(id);
    const apiKey = await this.keys.get(id);
    return apiKey === undefined ? { baseUrl: server.baseUrl, model: server.model } : { baseUrl: server.baseUrl, model: server.model, apiKey };
  }

  /** Where "Test connection" goes: the address typed, with the key typed or, for a saved server, its stored one. */
  async checkTarget({ baseUrl, apiKey, id }: RemoteCheck): Promise<Omit<RemoteBackend, 'model'>> {
    if (id !== undefined && !this.find(id)) throw unknownServer(id);
    const key = apiKey ?? (id === undefined ? undefined : await this.keys.get(id));
    return key === undefined ? { baseUrl } : { baseUrl, apiKey: key };
  }

  private async view(server: RemoteServer): Promise<RemoteServerView> {
    return { ...server, hasApiKey: (await this.keys.get(server.id)) !== undefined };
  }
}
