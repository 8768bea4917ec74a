/**
 * What the screen channels need from the shell. The app lists and grants desktopCapturer sources
 * (main/app/displayCapture.ts); a shell without a source list (the preview's browser tab) lists none, and there
 * `getDisplayMedia` shows the browser's own picker.
 */
import { OmniError } from '../engine/errors';
import type { InvokeRequest, InvokeResponse } from './contract';

export interface ScreenCapture {
  sources(): Promise<InvokeResponse<'screen.sources'>['sources']>;
  choose(sourceId: InvokeRequest<'screen.choose'>['sourceId']): Promise<InvokeResponse<'screen.choose'>>;
}

export const BROWSER_PICKER: ScreenCapture = {
  sources: async () => [],
  choose: async (sourceId) => {
    throw new OmniError('INVALID_REQUEST', `screen.choose: sourceId "${sourceId}" cannot be chosen here: this shell lists no sources`, 'The browser’s own picker asks which screen or window to share.');
  },
};
