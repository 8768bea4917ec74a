/**
 * What the next turn will carry besides words: pasted, dropped or chosen images, sound and video files, webcam
 * frames and clips, screenshots. Everything is checked here against the engine's limits, so a refusal is
 * explained where it happened instead of coming back from `chat.send` for the whole turn. Sending takes the
 * whole tray.
 */
import { createStore } from 'zustand/vanilla';
import type { Attachment } from '../../../main/ipc/contract';
import { LIMITS } from '../../../main/ipc/schemas/values';
import { attachmentFromFile, fileProblem, typeProblem } from './files';

export interface DraftAttachment {
  id: string;
  attachment: Attachment;
}

export interface AttachmentsState {
  items: DraftAttachment[];
  /** Why the last attachment was refused, shown until dismissed or the next success. */
  problem?: string;
  add(attachment: Attachment): boolean;
  addFiles(files: readonly File[]): Promise<void>;
  remove(id: string): void;
  take(): Attachment[];
  /** A capture that failed before there was anything to attach (no screen access, a camera error). */
  report(problem: string): void;
  dismissProblem(): void;
}

const FRAME_BYTES = LIMITS.attachmentBytes / LIMITS.videoFrames;
const KB = 1024;

/** Why the engine would refuse this attachment as the `count + 1`th of a turn, or undefined. */
export function attachmentProblem(attachment: Attachment, count: number): string | undefined {
  if (count >= LIMITS.attachments) return `A message can carry at most ${LIMITS.attachments} attachments.`;
  switch (attachment.kind) {
    case 'image':
    case 'audio':
    case 'video':
      return typeProblem(attachment.name, attachment.mime, attachment.kind) ?? bytesProblem(attachment.name, attachment.data.byteLength, LIMITS.attachmentBytes);
    case 'frames':
      if (attachment.frames.length === 0) return `“${attachment.name}” has no frames.`;
      if (attachment.frames.length > LIMITS.videoFrames) return `“${attachment.name}” has ${attachment.frames.length} frames; a clip may have at most ${LIMITS.videoFrames}.`;
      for (const [index, frame] of attachment.frames.entries()) {
        const problem = bytesProblem(`Frame ${index + 1} of “${attachment.name}”`, frame.byteLength, FRAME_BYTES);
        if (problem) return problem;
      }
      return undefined;
  }
}

function bytesProblem(what: string, bytes: number, max: number): string | undefined {
  if (bytes === 0) return `${what} is empty.`;
  return bytes > max ? `${what} is ${Math.ceil(bytes / KB)} KB; at most ${max / KB} KB fit.` : undefined;
}

export function createAttachmentsStore() {
  let nextId = 1;
  return createStore<AttachmentsState>()((set, get) => ({
    items: [],
    add: (attachment) => {
      const problem = attachmentProblem(attachment, get().items.length);
      if (problem) {
        set({ problem });
        return false;
      }
      set((s) => ({ items: [...s.items, { id: `attachment-${nextId++}`, attachment }], problem: undefined }));
      return true;
    },
    addFiles: async (files) => {
      let refused: string | undefined;
      for (const file of files) {
        const problem = fileProblem(file);
        if (problem) refused ??= problem;
        // A full tray refuses the rest with its own explanation.
        else if (!get().add(await attachmentFromFile(file))) return;
      }
      if (refused) set({ problem: refused });
    },
    remove: (id) => set((s) => ({ items: s.items.filter((item) => item.id !== id) })),
    take: () => {
      const taken = get().items.map((item) => item.attachment);
      set({ items: [], problem: undefined });
      return taken;
    },
    report: (problem) => set({ problem }),
    dismissProblem: () => set({ problem: undefined }),
  }));
}
