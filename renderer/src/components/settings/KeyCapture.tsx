import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';

/**
 * A button that records the next key press: Escape cancels, Tab keeps moving focus (so the control never traps
 * the keyboard). `accept` turns the press into the stored value, or a sentence saying why it cannot be used.
 */
export function KeyCapture({
  label,
  shown,
  accept,
  onChange,
}: {
  label: string;
  shown: string;
  accept: (event: KeyboardEvent<HTMLButtonElement>) => { value: string } | { problem: string };
  onChange: (value: string) => void;
}) {
  const [capturing, setCapturing] = useState(false);
  const [problem, setProblem] = useState<string>();
  const hintId = useId();
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (capturing) button.current?.focus();
  }, [capturing]);

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (!capturing || event.key === 'Tab') return;
    event.preventDefault();
    if (event.key === 'Escape') {
      setCapturing(false);
      return;
    }
    // Modifiers alone start a combination; wait for the key that completes it.
    if (['Shift', 'Control', 'Alt', 'Meta'].includes(event.key)) return;
    const result = accept(event);
    if ('problem' in result) {
      setProblem(result.problem);
      return;
    }
    setProblem(undefined);
    setCapturing(false);
    onChange(result.value);
  };
  return (
    <div>
      <button
        ref={button}
        type="button"
        aria-label={capturing ? `${label}: press the new key, or Escape to keep ${shown}` : `${label}: ${shown}. Change`}
        aria-describedby={problem ? hintId : undefined}
        onClick={() => setCapturing(true)}
        onKeyDown={onKeyDown}
        onBlur={() => setCapturing(false)}
        className={`inline-flex min-w-28 items-center justify-center rounded-lg border px-3 py-1.5 font-mono text-sm ${
          capturing
            ? 'border-accent-500 bg-accent-50 text-accent-800 ring-2 ring-accent-500/30 dark:bg-accent-500/10 dark:text-accent-300'
            : 'border-zinc-300 bg-zinc-50 hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-800 dark:hover:bg-zinc-700'
        }`}
      >
        {capturing ? 'Press a key…' : shown}
      </button>
      {problem && (
        <p id={hintId} role="alert" className="mt-1.5 text-xs text-amber-700 dark:text-amber-300">
          {problem}
        </p>
      )}
    </div>
  );
}
