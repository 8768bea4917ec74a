import { useId } from 'react';
import type { VariantFit } from '../../../../main/ipc/contract';
import { formatBytes } from '../../format';

const VERDICT_LOOK: Record<VariantFit['verdict'], string> = {
  'runs here': 'bg-emerald-100 text-emerald-800 dark:bg-emerald-400/15 dark:text-emerald-300',
  'runs slowly on CPU': 'bg-amber-100 text-amber-800 dark:bg-amber-400/15 dark:text-amber-300',
  'does not fit': 'bg-red-100 text-red-800 dark:bg-red-400/15 dark:text-red-300',
};

const VARIANT_NOTE: Record<VariantFit['variant'], string> = {
  int4: '4-bit weights: the size most computers can run',
  fp32: 'Full precision, for workstations with a lot of memory',
};

/** The buildable variants with this computer's verdict for each, as one radio group. */
export function VariantChoice({ model, fits, value, onChange, disabled }: { model: string; fits: VariantFit[]; value?: string; onChange: (variant: VariantFit['variant']) => void; disabled: boolean }) {
  const name = useId();
  return (
    <fieldset disabled={disabled}>
      <legend className="text-sm font-medium">Variant to build</legend>
      <div className="mt-2 grid gap-2 sm:grid-cols-2">
        {fits.map((fit) => (
          <label
            key={fit.variant}
            className="flex cursor-pointer gap-3 rounded-lg border border-zinc-200 p-3 has-checked:border-accent-500 has-checked:bg-accent-50/40 has-focus-visible:outline-2 has-focus-visible:outline-accent-500 has-disabled:cursor-not-allowed dark:border-zinc-800 dark:has-checked:border-accent-500 dark:has-checked:bg-accent-500/5"
          >
            <input
              type="radio"
              name={name}
              value={fit.variant}
              checked={value === fit.variant}
              onChange={() => onChange(fit.variant)}
              aria-label={`${fit.variant}: ${fit.verdict}`}
              aria-describedby={`${name}-${fit.variant}`}
              className="mt-1 accent-accent-600"
            />
            <span className="min-w-0 flex-1">
              <span className="flex items-center justify-between gap-2">
                <span className="font-mono text-sm font-medium">{fit.variant}</span>
                <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${VERDICT_LOOK[fit.verdict]}`}>{fit.verdict}</span>
              </span>
              <span id={`${name}-${fit.variant}`} className="mt-1 block text-xs text-zinc-500 dark:text-zinc-400">
                <span className="block">{VARIANT_NOTE[fit.variant]}.</span>
                <span className="block tabular-nums">
                  Disk {formatBytes(fit.needs.diskBytes)} · RAM {formatBytes(fit.needs.ramBytes)} · GPU {formatBytes(fit.needs.vramBytes)}
                </span>
                {fit.reasons.map((reason) => (
                  <span key={reason} className="block">
                    {reason.charAt(0).toUpperCase() + reason.slice(1)}.
                  </span>
                ))}
              </span>
            </span>
          </label>
        ))}
      </div>
      <span className="sr-only">Fit estimates for {model} on this computer.</span>
    </fieldset>
  );
}
