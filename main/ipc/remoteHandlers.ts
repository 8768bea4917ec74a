/**
 * The channels of remote servers: the list the renderer may see (never a key), adding, changing and removing one,
 * "Test connection", and choosing who answers a conversation.
 */
import { listRemoteModels } from '../engine/remote/client';
import type { Handlers } from './dispatch';
import type { Services } from './services';

/** Long enough for a server on the other side of a VPN, short enough that the user is not left wondering. */
export const CHECK_TIMEOUT_MS = 10_000;

type RemoteChannel = 'remote.list' | 'remote.save' | 'remote.remove' | 'remote.check' | 'conversations.setBackend';

export function remoteHandlers({ remote, conversations }: Pick<Services, 'remote' | 'conversations'>): Pick<Handlers, RemoteChannel> {
  return {
    'remote.list': async () => ({ servers: await remote.list() }),
    'remote.save': (request) => remote.save(request),
    'remote.remove': async ({ id }) => ({ removed: await remote.remove(id) }),
    'remote.check': async (request) => {
      const target = await remote.checkTarget(request);
      return { models: await listRemoteModels(target, { timeoutMs: CHECK_TIMEOUT_MS }) };
    },
    'conversations.setBackend': async ({ id, backend }) => {
      remote.assertBackend(backend);
      conversations.setBackend(id, backend);
      return { id, backend };
    },
  };
}
