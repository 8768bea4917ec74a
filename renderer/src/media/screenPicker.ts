/**
 * Which screen or window a screenshot shows. The desktop app lists what can be captured (`screen.sources`) and the
 * user picks one in the picker; main is told (`screen.choose`) and grants exactly that source to the
 * `getDisplayMedia` request that follows. A shell that lists nothing (the browser preview) has a picker of its own
 * behind `getDisplayMedia`, so the screenshot goes straight there.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CaptureSource } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { asErrorInfo } from '../errors';
import type { AttachmentsState } from './attachments';
import { describeDeviceError } from './deviceErrors';
import type { ImageAttachment } from './images';

/** closed → listing → choosing (the picker is open) → capturing → closed; or listing → capturing with no list. */
export type PickerPhase = 'closed' | 'listing' | 'choosing' | 'capturing';

export interface ScreenPickerState {
  phase: PickerPhase;
  sources: CaptureSource[];
  /** Lists the sources and opens the picker, or asks the browser's own picker when there is no list. */
  open(): Promise<void>;
  /** Takes a screenshot of this source and attaches it. */
  choose(sourceId: string): Promise<void>;
  cancel(): void;
}

export interface ScreenPickerDeps {
  api: Pick<OmnideskApi, 'screen'>;
  attachments: StoreApi<AttachmentsState>;
  /** One frame of a getDisplayMedia capture; undefined when the user declined (media/screen.ts). */
  capture(): Promise<ImageAttachment | undefined>;
}

export function createScreenPickerStore({ api, attachments, capture }: ScreenPickerDeps) {
  return createStore<ScreenPickerState>()((set, get) => {
    /** Counts pickers opened, so a list that arrives after Escape opens nothing. */
    let opened = 0;
    const fail = (message: string) => {
      set({ phase: 'closed', sources: [] });
      attachments.getState().report(message);
    };
    const shoot = async () => {
      set({ phase: 'capturing', sources: [] });
      try {
        const shot = await capture();
        if (shot) attachments.getState().add(shot);
        set({ phase: 'closed' });
      } catch (error) {
        fail(describeDeviceError('screen', error).message);
      }
    };
    return {
      phase: 'closed',
      sources: [],
      open: async () => {
        if (get().phase !== 'closed') return;
        const mine = ++opened;
        set({ phase: 'listing' });
        try {
          const { sources } = await api.screen.sources();
          if (mine !== opened || get().phase !== 'listing') return;
          if (sources.length === 0) return await shoot();
          set({ phase: 'choosing', sources });
        } catch (error) {
          if (mine === opened) fail(`The screens and windows could not be listed: ${asErrorInfo(error).message}`);
        }
      },
      choose: async (sourceId) => {
        if (get().phase !== 'choosing') return;
        set({ phase: 'capturing', sources: [] });
        try {
          await api.screen.choose({ sourceId });
        } catch (error) {
          return fail(asErrorInfo(error).message);
        }
        await shoot();
      },
      cancel: () => {
        opened++;
        set({ phase: 'closed', sources: [] });
      },
    };
  });
}
