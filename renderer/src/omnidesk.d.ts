import type { OmnideskApi } from '../../preload/api';

declare global {
  interface Window {
    /** Exposed by the Electron preload, or installed by the preview bridge in a plain browser. */
    omnidesk?: OmnideskApi;
  }
}
