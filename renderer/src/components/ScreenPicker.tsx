import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import type { CaptureSource } from '../../../main/ipc/contract';
import { useStores } from '../stores/context';
import { ScreenIcon } from './icons';
import { useObjectUrl } from './useObjectUrl';

/** Tiles per row; arrow keys move by one tile or one row of the grid. */
const COLUMNS = 3;
const MOVES: Record<string, (index: number, count: number) => number> = {
  ArrowRight: (i) => i + 1,
  ArrowLeft: (i) => i - 1,
  ArrowDown: (i) => i + COLUMNS,
  ArrowUp: (i) => i - COLUMNS,
  Home: () => 0,
  End: (_, count) => count - 1,
};

function SourceTile({ source, focusable, onFocus, onChoose }: { source: CaptureSource; focusable: boolean; onFocus: () => void; onChoose: () => void }) {
  const thumbnail = useObjectUrl(source.thumbnail.byteLength ? source.thumbnail : undefined, 'image/png');
  const icon = useObjectUrl(source.icon, 'image/png');
  return (
    <li>
      <button
        type="button"
        data-source={source.id}
        tabIndex={focusable ? 0 : -1}
        onFocus={onFocus}
        onClick={onChoose}
        className="group flex w-full flex-col gap-2 rounded-xl p-2 text-left hover:bg-zinc-100 focus-visible:bg-accent-50 focus-visible:outline-2 focus-visible:outline-accent-500 dark:hover:bg-zinc-800 dark:focus-visible:bg-accent-500/10"
      >
        <span className="flex aspect-[16/10] w-full items-center justify-center overflow-hidden rounded-lg bg-zinc-100 ring-1 ring-black/5 dark:bg-zinc-800 dark:ring-white/10">
          {thumbnail && <img src={thumbnail} alt="" className="size-full object-contain" />}
        </span>
        <span className="flex min-w-0 items-center gap-1.5 text-xs font-medium">
          {icon ? <img src={icon} alt="" className="size-4 shrink-0" /> : source.kind === 'screen' && <ScreenIcon className="size-4 shrink-0 text-zinc-500" />}
          <span className="truncate">{source.name}</span>
        </span>
      </button>
    </li>
  );
}

/**
 * The screen and window picker of the screenshot control: a modal dialog (focus stays inside, Escape closes it)
 * with a grid of what can be captured, each named by its title. Arrow keys, Home and End move between tiles;
 * Enter or a click takes the screenshot.
 */
export function ScreenPicker() {
  const picker = useStores().screenPicker;
  const choosing = useStore(picker, (s) => s.phase === 'choosing');
  const sources = useStore(picker, (s) => s.sources);
  const dialog = useRef<HTMLDialogElement>(null);
  const grid = useRef<HTMLUListElement>(null);
  const [active, setActive] = useState(0);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (choosing && !element.open) {
      setActive(0);
      element.showModal();
    }
    if (!choosing && element.open) element.close();
  }, [choosing]);

  const onGridKey = (event: KeyboardEvent) => {
    const move = MOVES[event.key];
    if (!move) return;
    event.preventDefault();
    const next = Math.min(sources.length - 1, Math.max(0, move(active, sources.length)));
    grid.current?.querySelectorAll<HTMLButtonElement>('[data-source]')[next]?.focus();
  };

  return (
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      onClose={() => picker.getState().cancel()}
      className="m-auto w-full max-w-3xl rounded-2xl border border-zinc-200 bg-white p-6 text-zinc-900 shadow-xl backdrop:bg-zinc-950/40 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
    >
      <h2 id={titleId} className="text-base font-semibold">
        Share a screen or window
      </h2>
      <p id={descriptionId} className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
        Omnidesk takes one picture of what you choose and attaches it to your next message.
      </p>
      <ul ref={grid} aria-label="Screens and windows" onKeyDown={onGridKey} className="mt-4 grid max-h-[60vh] grid-cols-3 gap-2 overflow-y-auto">
        {sources.map((source, index) => (
          <SourceTile
            key={source.id}
            source={source}
            focusable={index === active}
            onFocus={() => setActive(index)}
            onChoose={() => void picker.getState().choose(source.id)}
          />
        ))}
      </ul>
      <div className="mt-5 flex justify-end">
        <button type="button" className="btn btn-quiet" onClick={() => picker.getState().cancel()}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
