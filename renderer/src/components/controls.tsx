/** Form controls that carry their own label, so every one is named for screen readers (and for the e2e tests). */
import { useId, type ReactNode } from 'react';

export function Switch({ label, checked, onChange, description }: { label: string; checked: boolean; onChange: (on: boolean) => void; description?: ReactNode }) {
  const id = useId();
  return (
    <div className="flex items-start justify-between gap-6">
      <div>
        <span id={`${id}-label`} className="text-sm font-medium">
          {label}
        </span>
        {description && <p className="mt-0.5 text-sm text-zinc-500 dark:text-zinc-400">{description}</p>}
      </div>
      <button
        type="button"
        role="switch"
        aria-checked={checked}
        aria-labelledby={`${id}-label`}
        onClick={() => onChange(!checked)}
        className={`relative mt-0.5 inline-flex h-5 w-9 shrink-0 items-center rounded-full transition-colors ${
          checked ? 'bg-accent-600 dark:bg-accent-500' : 'bg-zinc-300 dark:bg-zinc-700'
        }`}
      >
        <span className={`size-4 rounded-full bg-white shadow-sm transition-transform motion-reduce:transition-none ${checked ? 'translate-x-4.5' : 'translate-x-0.5'}`} />
      </button>
    </div>
  );
}

export function Slider({
  label,
  value,
  min,
  max,
  step,
  onChange,
  format = (v) => String(v),
  hint,
}: {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange: (value: number) => void;
  format?: (value: number) => string;
  hint?: string;
}) {
  const id = useId();
  return (
    <div>
      <div className="flex items-baseline justify-between gap-4">
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        <output htmlFor={id} className="font-mono text-xs text-zinc-600 tabular-nums dark:text-zinc-300">
          {format(value)}
        </output>
      </div>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        aria-valuetext={format(value)}
        onChange={(event) => onChange(Number(event.target.value))}
        className="mt-2 w-full accent-accent-600 dark:accent-accent-500"
      />
      {hint && <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">{hint}</p>}
    </div>
  );
}

export function SelectField({
  label,
  value,
  options,
  onChange,
  disabled,
  hint,
}: {
  label: string;
  value: string;
  options: Array<{ value: string; label: string }>;
  onChange: (value: string) => void;
  disabled?: boolean;
  hint?: ReactNode;
}) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <select id={id} value={value} disabled={disabled} onChange={(event) => onChange(event.target.value)} className="input mt-1.5 disabled:opacity-60">
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {hint && <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">{hint}</p>}
    </div>
  );
}

/** Exclusive choices as a segmented control: real radios, transparent over their labels, so a click on either counts. */
export function Segmented<T extends string>({ label, value, options, onChange }: { label: string; value: T; options: Array<{ value: T; label: string }>; onChange: (value: T) => void }) {
  const name = useId();
  return (
    <fieldset>
      <legend className="text-sm font-medium">{label}</legend>
      <div className="mt-2 inline-flex rounded-lg bg-zinc-100 p-0.5 dark:bg-zinc-800">
        {options.map((option) => (
          <label
            key={option.value}
            className="relative cursor-pointer rounded-md px-3 py-1 text-sm text-zinc-600 has-checked:bg-white has-checked:font-medium has-checked:text-zinc-900 has-checked:shadow-xs has-focus-visible:outline-2 has-focus-visible:outline-accent-500 dark:text-zinc-300 dark:has-checked:bg-zinc-700 dark:has-checked:text-zinc-50"
          >
            <input type="radio" name={name} value={option.value} checked={value === option.value} onChange={() => onChange(option.value)} className="absolute inset-0 cursor-pointer opacity-0" />
            {option.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
