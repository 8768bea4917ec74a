/**
 * Remote servers: OpenAI-compatible servers (vLLM-Omni, `omnidesk serve`) that answer a conversation instead of the
 * model on this computer. Off by default: with none configured, no turn has a way off the machine. A server's API
 * key is stored encrypted by the OS, apart from settings.json, and never crosses to the renderer, which learns only
 * whether there is one.
 */
import { z } from 'zod';
import { Id, RemoteBackend } from '../../engine/protocol';

/** Who answers a conversation: `LOCAL_BACKEND` ("local", the installed model) or a remote server's id. */
export const Backend = Id;

const ServerName = z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters');
/** Stored as given but for a trailing slash, so `${baseUrl}/models` is the server's model list. */
const BaseUrl = z
  .string()
  .trim()
  .transform((url) => url.replace(/\/+$/, ''))
  .pipe(RemoteBackend.shape.baseUrl);
const ModelName = z.string().trim().min(1, 'must name one of the models the server lists').max(256);
/** Sent as `Authorization: Bearer …`: printable ASCII only, so a pasted line break cannot add a header. */
const ApiKey = z
  .string()
  .trim()
  .min(1, 'must not be empty (leave it out for a server without one)')
  .max(4096)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces, as the server issued it');

/** A server as settings.json holds it; its key is elsewhere. */
export const RemoteServer = z.strictObject({ id: Id, name: ServerName, baseUrl: BaseUrl, model: ModelName });
export type RemoteServer = z.infer<typeof RemoteServer>;

/** A server as the renderer sees it. */
export const RemoteServerView = z.strictObject({ ...RemoteServer.shape, hasApiKey: z.boolean() });
export type RemoteServerView = z.infer<typeof RemoteServerView>;

export const RemoteServerSave = z.strictObject({
  /** Absent for a new server; main gives it an id. */
  id: Id.optional(),
  name: ServerName,
  baseUrl: BaseUrl,
  model: ModelName,
  /** A new key; `null` removes the stored one; absent keeps it as it is. */
  apiKey: ApiKey.nullable().optional(),
});
export type RemoteServerSave = z.infer<typeof RemoteServerSave>;

export const RemoteCheck = z.strictObject({
  baseUrl: BaseUrl,
  apiKey: ApiKey.optional(),
  /** A saved server being edited: its stored key is used when `apiKey` is absent. */
  id: Id.optional(),
});
export type RemoteCheck = z.infer<typeof RemoteCheck>;

export const remoteChannels = {
  'remote.list': { request: z.strictObject({}), response: z.strictObject({ servers: z.array(RemoteServerView) }) },
  'remote.save': { request: RemoteServerSave, response: RemoteServerView },
  /** Conversations that used it keep its id and say so on their next turn; a default that named it becomes local. */
  'remote.remove': { request: z.strictObject({ id: Id }), response: z.strictObject({ removed: z.boolean() }) },
  /** "Test connection": the server's model list, or why there is none (unreachable, refused key, timeout…). */
  'remote.check': { request: RemoteCheck, response: z.strictObject({ models: z.array(z.string()) }) },
} as const;
