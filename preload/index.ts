/**
 * Sandboxed preload: exposes the named `window.omnidesk` API and hands the engine stream port to the page.
 * A MessagePort cannot cross contextBridge, so it is forwarded with window.postMessage, tagged with the nonce the
 * page chose when it asked for the stream (VS Code does the same).
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createOmnideskApi } from './api';
import { ipcChannel, STREAM_PORT_MESSAGE, type InvokeResult } from '../main/ipc/contract';

const api = createOmnideskApi({
  invoke: (channel, payload) => ipcRenderer.invoke(ipcChannel(channel), payload) as Promise<InvokeResult<unknown>>,
  subscribe: (channel, listener) => {
    const wrapped = (_event: Electron.IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(ipcChannel(channel), wrapped);
    return () => {
      ipcRenderer.removeListener(ipcChannel(channel), wrapped);
    };
  },
});

ipcRenderer.on(STREAM_PORT_MESSAGE, (event, nonce: unknown) => {
  if (typeof nonce !== 'string' || event.ports.length !== 1) return;
  window.postMessage({ type: STREAM_PORT_MESSAGE, nonce }, window.location.origin, [...event.ports]);
});

contextBridge.exposeInMainWorld('omnidesk', api);
