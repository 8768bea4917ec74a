import { useRef } from 'react';
import { ACCEPTED_FILES } from '../media/files';
import { useStores } from '../stores/context';
import { AttachIcon, CameraIcon, ScreenIcon } from './icons';
import { ScreenPicker } from './ScreenPicker';

const TOOL = 'rounded-lg p-2 text-zinc-500 hover:bg-zinc-100 hover:text-zinc-900 disabled:opacity-50 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100';

/** Attach a file, open the camera, attach a screenshot. Icon buttons, each named for screen readers. */
export function ComposerTools({ camera, onCamera }: { camera: boolean; onCamera: () => void }) {
  const { attachments, screenPicker } = useStores();
  const files = useRef<HTMLInputElement>(null);

  return (
    <div className="flex items-center">
      <input
        ref={files}
        type="file"
        accept={ACCEPTED_FILES}
        multiple
        hidden
        onChange={(event) => {
          void attachments.getState().addFiles([...(event.target.files ?? [])]);
          event.target.value = '';
        }}
      />
      <button type="button" aria-label="Attach file" title="Attach an image, sound or video file" className={TOOL} onClick={() => files.current?.click()}>
        <AttachIcon />
      </button>
      <button type="button" aria-label="Camera" title="Camera" aria-pressed={camera} className={`${TOOL} aria-pressed:text-accent-600 dark:aria-pressed:text-accent-400`} onClick={onCamera}>
        <CameraIcon />
      </button>
      <button
        type="button"
        aria-label="Attach screenshot"
        aria-haspopup="dialog"
        title="Attach screenshot"
        className={TOOL}
        // Never disabled while the picker is busy (a second press does nothing): the closing dialog gives focus
        // back to this button, which a disabled one could not take.
        onClick={() => void screenPicker.getState().open()}
      >
        <ScreenIcon />
      </button>
      <ScreenPicker />
    </div>
  );
}
