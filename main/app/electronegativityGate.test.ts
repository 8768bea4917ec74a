import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

interface Finding {
  rule: string;
  severity: string;
  file: string;
  line: number;
  description: string;
}
interface Entry {
  rule: string;
  file: string;
  justification: string;
}
interface Verdict {
  blocking: Finding[];
  allowed: Array<Finding & { justification: string }>;
  minor: number;
  stale: Entry[];
}
interface Gate {
  SCANNED: string[];
  parseAllowlist(text: string): { entries: Entry[]; errors: string[] };
  toFindings(issues: unknown[]): Finding[];
  judge(findings: Finding[], entries: Entry[]): Verdict;
  formatReport(verdict: Verdict, allowlistErrors?: string[]): { text: string; failed: boolean };
}

const GATE = path.resolve('.ci/electronegativity-gate.mjs');
let gate: Gate;
beforeAll(async () => {
  // A plain .mjs script without type declarations: imported by URL, typed by the interface above.
  gate = (await import(/* @vite-ignore */ pathToFileURL(GATE).href)) as Gate;
});

/** An issue as Electronegativity's API returns it. */
const issue = (id: string, severity: string, file = 'main/app/window.ts', line = 25) => ({
  id,
  file,
  location: { line, column: 6 },
  severity: { value: 0, name: severity },
  confidence: { value: 1, name: 'FIRM' },
  description: `${id} description`,
  manualReview: true,
});

const entry = (rule: string, file = 'main/app/window.ts', justification = 'reviewed: fine') => ({ rule, file, justification });

describe('electronegativity gate: allowlist', () => {
  it('accepts entries with a rule, a file and a one-line justification', () => {
    const text = JSON.stringify({ allow: [entry('PRELOAD_JS_CHECK', './main/app/window.ts', '  reviewed  ')] });
    expect(gate.parseAllowlist(text)).toEqual({
      entries: [{ rule: 'PRELOAD_JS_CHECK', file: 'main/app/window.ts', justification: 'reviewed' }],
      errors: [],
    });
  });

  it.each([
    ['no justification', { rule: 'PRELOAD_JS_CHECK', file: 'main/app/window.ts' }, 'has no justification'],
    ['a blank justification', entry('PRELOAD_JS_CHECK', 'main/app/window.ts', '   '), 'has no justification'],
    ['a multi-line justification', entry('PRELOAD_JS_CHECK', 'main/app/window.ts', 'a\nb'), 'must be one line'],
    ['no rule', { file: 'main/app/window.ts', justification: 'x' }, 'needs a rule id'],
    ['no file', { rule: 'PRELOAD_JS_CHECK', justification: 'x' }, 'needs the file'],
  ])('rejects an entry with %s', (_what, bad, message) => {
    const { entries, errors } = gate.parseAllowlist(JSON.stringify({ allow: [bad] }));
    expect(entries).toEqual([]);
    expect(errors).toEqual([expect.stringContaining(message)]);
  });

  it('rejects a file that is not an allowlist', () => {
    expect(gate.parseAllowlist('{').errors[0]).toMatch(/not valid JSON/);
    expect(gate.parseAllowlist('[]').errors[0]).toMatch(/"allow" array/);
  });

  it('the committed allowlist is valid and near-empty', () => {
    const { entries, errors } = gate.parseAllowlist(readFileSync('.ci/electronegativity-allow.json', 'utf8'));
    expect(errors).toEqual([]);
    expect(entries.length).toBeLessThanOrEqual(2);
  });
});

describe('electronegativity gate: verdict', () => {
  it('blocks HIGH and MEDIUM findings and lets LOW and INFORMATIONAL ones pass', () => {
    const findings = gate.toFindings([
      issue('CONTEXT_ISOLATION_JS_CHECK', 'HIGH'),
      issue('SANDBOX_JS_CHECK', 'MEDIUM'),
      issue('CSP_GLOBAL_CHECK', 'LOW', 'N/A', 0),
      issue('CSP_JS_CHECK', 'INFORMATIONAL'),
    ]);
    const verdict = gate.judge(findings, []);
    expect(verdict.blocking.map((f) => f.rule)).toEqual(['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK']);
    expect(verdict.minor).toBe(2);
    expect(gate.formatReport(verdict).failed).toBe(true);
  });

  it('treats an issue without a severity as HIGH rather than let it through', () => {
    expect(gate.toFindings([{ id: 'NEW_CHECK', file: 'x.ts', location: { line: 1 } }])[0].severity).toBe('HIGH');
  });

  it('excuses a finding only for the rule and file its entry names', () => {
    const findings = gate.toFindings([
      issue('PRELOAD_JS_CHECK', 'MEDIUM'),
      issue('PRELOAD_JS_CHECK', 'MEDIUM', 'main/app/other.ts'),
      issue('SANDBOX_JS_CHECK', 'MEDIUM'),
    ]);
    const verdict = gate.judge(findings, [entry('PRELOAD_JS_CHECK')]);
    expect(verdict.allowed).toEqual([expect.objectContaining({ rule: 'PRELOAD_JS_CHECK', file: 'main/app/window.ts', justification: 'reviewed: fine' })]);
    expect(verdict.blocking.map((f) => `${f.rule} ${f.file}`)).toEqual(['PRELOAD_JS_CHECK main/app/other.ts', 'SANDBOX_JS_CHECK main/app/window.ts']);
  });

  it('passes when every serious finding is excused, and names stale entries', () => {
    const verdict = gate.judge(gate.toFindings([issue('PRELOAD_JS_CHECK', 'MEDIUM')]), [
      entry('PRELOAD_JS_CHECK'),
      entry('OPEN_EXTERNAL_JS_CHECK', 'main/app/links.ts'),
    ]);
    const report = gate.formatReport(verdict);
    expect(report.failed).toBe(false);
    expect(report.text).toContain('allowed  MEDIUM  PRELOAD_JS_CHECK  main/app/window.ts:25  reviewed: fine');
    expect(report.text).toContain('allowlist entry OPEN_EXTERNAL_JS_CHECK in main/app/links.ts matches no finding');
    expect(report.text).toMatch(/0 blocking, 1 allowed, 0 low\/informational — pass$/);
  });

  it('fails on allowlist errors even without findings', () => {
    const report = gate.formatReport(gate.judge([], []), ['allow[0] (X in y.ts) has no justification']);
    expect(report.failed).toBe(true);
    expect(report.text).toContain('error: allow[0] (X in y.ts) has no justification');
  });

  it('scans the Electron-side sources: app, IPC and preload', () => {
    expect(gate.SCANNED).toEqual(['main/app', 'main/ipc', 'preload']);
  });
});
