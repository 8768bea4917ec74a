import { useId } from 'react';
import { DEFAULT_SETTINGS, SYSTEM_PROMPT_CHARS } from '../../../../main/ipc/contract';
import { Panel } from '../Panel';
import { Slider } from '../controls';
import { useSettings } from './useSettings';

const fixed = (digits: number) => (value: number) => value.toFixed(digits);

export function BehaviourPanel() {
  const { settings, update } = useSettings();
  const promptId = useId();
  if (!settings) return null;
  const { sampling } = settings;
  const isDefault = JSON.stringify(sampling) === JSON.stringify(DEFAULT_SETTINGS.sampling);
  return (
    <Panel
      id="behaviour-title"
      title="Answers"
      actions={
        <button type="button" className="btn btn-quiet" disabled={isDefault} onClick={() => update({ sampling: DEFAULT_SETTINGS.sampling })}>
          Restore defaults
        </button>
      }
    >
      <div className="space-y-5">
        <div>
          <div className="flex items-baseline justify-between">
            <label htmlFor={promptId} className="text-sm font-medium">
              System prompt
            </label>
            <span className="text-xs text-zinc-500 tabular-nums dark:text-zinc-400">
              {settings.systemPrompt.length.toLocaleString('en-US')} / {SYSTEM_PROMPT_CHARS.toLocaleString('en-US')}
            </span>
          </div>
          <textarea
            id={promptId}
            rows={3}
            maxLength={SYSTEM_PROMPT_CHARS}
            value={settings.systemPrompt}
            onChange={(event) => update({ systemPrompt: event.target.value })}
            placeholder="Optional: how Omnidesk should answer, e.g. “Answer briefly, in plain language.”"
            className="input mt-1.5 resize-y"
          />
        </div>
        <div className="grid gap-x-8 gap-y-5 sm:grid-cols-2">
          <Slider label="Temperature" value={sampling.temperature} min={0} max={2} step={0.05} format={fixed(2)} hint="Lower is more focused, higher more varied." onChange={(temperature) => update({ sampling: { temperature } })} />
          <Slider label="Top-p" value={sampling.topP} min={0.05} max={1} step={0.05} format={fixed(2)} hint="Sample from the likeliest words up to this share." onChange={(topP) => update({ sampling: { topP } })} />
          <Slider label="Top-k" value={sampling.topK} min={0} max={200} step={1} format={(v) => (v === 0 ? 'off' : String(v))} hint="Sample from at most this many words (0: no limit)." onChange={(topK) => update({ sampling: { topK } })} />
          <Slider label="Repetition penalty" value={sampling.repetitionPenalty} min={1} max={2} step={0.01} format={fixed(2)} hint="Above 1 discourages repeating words." onChange={(repetitionPenalty) => update({ sampling: { repetitionPenalty } })} />
          <Slider label="Longest reply" value={sampling.maxTokens} min={64} max={8192} step={64} format={(v) => `${v.toLocaleString('en-US')} tokens`} hint="A reply stops here at the latest." onChange={(maxTokens) => update({ sampling: { maxTokens } })} />
        </div>
      </div>
    </Panel>
  );
}
