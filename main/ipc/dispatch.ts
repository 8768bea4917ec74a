/**
 * Transport-agnostic request handling shared by Electron's ipcMain and the preview bridge: the channel must be in
 * the contract, the payload must parse, and whatever the handler does, the caller gets an `InvokeResult` —
 * a handler never takes down the process that hosts it.
 */
import {
  invokeChannels,
  isInvokeChannel,
  type InvokeChannel,
  type InvokeRequest,
  type InvokeResponse,
  type InvokeResult,
} from './contract';
import { describeIssues } from '../engine/protocol';
import { toErrorInfo } from '../engine/errors';

export type Handlers = {
  [C in InvokeChannel]: (request: InvokeRequest<C>) => Promise<InvokeResponse<C>>;
};

export async function dispatch(
  handlers: Handlers,
  channel: unknown,
  payload: unknown,
): Promise<InvokeResult<unknown>> {
  if (!isInvokeChannel(channel)) {
    const shown = typeof channel === 'string' ? JSON.stringify(channel.slice(0, 80)) : typeof channel;
    return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `Unknown IPC channel ${shown}` } };
  }
  const { request, response } = invokeChannels[channel];
  const parsed = request.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, error: { code: 'INVALID_REQUEST', message: describeIssues(channel, parsed.error) } };
  }
  try {
    const handler = handlers[channel] as (request: unknown) => Promise<unknown>;
    const value = await handler(parsed.data);
    // A response that breaks the contract is our bug; refuse it here rather than let the renderer guess.
    const checked = response.safeParse(value);
    if (!checked.success) {
      return { ok: false, error: { code: 'INTERNAL', message: describeIssues(`${channel} response`, checked.error) } };
    }
    return { ok: true, value: checked.data };
  } catch (error) {
    return { ok: false, error: toErrorInfo(error) };
  }
}
