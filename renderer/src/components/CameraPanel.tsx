import { useEffect, useRef, useState } from 'react';
import { cameraFrame, ClipRecorder, CLIP_MAX_FRAMES, openCamera } from '../media/camera';
import { describeDeviceError } from '../media/deviceErrors';
import { useStores } from '../stores/context';
import { CameraIcon, CloseIcon } from './icons';

/** The live webcam while it is open; its frame or a 2 fps clip goes to the attachment tray. */
export function CameraPanel({ onClose }: { onClose: () => void }) {
  const attachments = useStores().attachments;
  const video = useRef<HTMLVideoElement>(null);
  const recorder = useRef<ClipRecorder | undefined>(undefined);
  const [ready, setReady] = useState(false);
  const [clipFrames, setClipFrames] = useState<number>();
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    let stream: MediaStream | undefined;
    let closed = false;
    openCamera().then(
      (opened) => {
        stream = opened;
        if (closed) opened.getTracks().forEach((track) => track.stop());
        else if (video.current) video.current.srcObject = opened;
      },
      (error: unknown) => setProblem(describeDeviceError('camera', error).message),
    );
    return () => {
      closed = true;
      recorder.current?.stop();
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, []);

  const failed = (error: unknown) => setProblem(`The frame could not be taken: ${error instanceof Error ? error.message : String(error)}`);
  const attachFrame = async () => {
    if (!video.current) return;
    try {
      attachments.getState().add(await cameraFrame(video.current));
    } catch (error) {
      failed(error);
    }
  };
  const finishClip = async () => {
    const clip = recorder.current;
    if (!clip) return;
    recorder.current = undefined;
    setClipFrames(undefined);
    try {
      attachments.getState().add(await clip.finish());
    } catch (error) {
      failed(error);
    }
  };
  const startClip = () => {
    if (!video.current) return;
    const clip = ClipRecorder.forVideo(video.current, (count, full) => {
      setClipFrames(count);
      if (full) void finishClip();
    });
    recorder.current = clip;
    clip.start();
  };

  return (
    <section aria-label="Camera" className="mb-2 flex gap-3 rounded-xl bg-zinc-50 p-2 dark:bg-zinc-800/60">
      <video
        ref={video}
        aria-label="Camera preview"
        autoPlay
        muted
        playsInline
        onLoadedData={() => setReady(true)}
        className="aspect-video w-56 shrink-0 rounded-lg bg-zinc-900 object-cover"
      />
      <div className="flex min-w-0 flex-col items-start gap-2 text-xs">
        <button type="button" className="btn btn-quiet" disabled={!ready || clipFrames !== undefined} onClick={() => void attachFrame()}>
          <CameraIcon />
          Attach frame
        </button>
        {clipFrames === undefined ? (
          <button type="button" className="btn btn-quiet" disabled={!ready} onClick={startClip}>
            Record clip
          </button>
        ) : (
          <button type="button" className="btn btn-quiet" onClick={() => void finishClip()}>
            Stop clip ({clipFrames} of {CLIP_MAX_FRAMES} frames)
          </button>
        )}
        <button type="button" className="btn btn-quiet" onClick={onClose}>
          <CloseIcon />
          Close camera
        </button>
        {problem && (
          <p role="alert" className="text-amber-700 dark:text-amber-300">
            {problem}
          </p>
        )}
      </div>
    </section>
  );
}
