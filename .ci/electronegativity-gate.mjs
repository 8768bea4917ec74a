#!/usr/bin/env node
/**
 * Security gate: scans the Electron-side sources with Electronegativity and fails on any HIGH or MEDIUM finding
 * that `.ci/electronegativity-allow.json` does not excuse with a justification.
 *
 * The scanner runs through its documented programmatic API rather than the CLI: the CLI always exits 0, and its
 * SARIF carries no severity (`level` only says whether manual review is needed), so neither can gate. The SARIF
 * is still written, to `.ci/.electronegativity/report.sarif`, for code-scanning tools.
 *
 * Without network the scanner spends ~10 s failing to fetch Electron's release list; that is harmless.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCANNED = ['main/app', 'main/ipc', 'preload'];
export const ELECTRON_VERSION = '45.5.0';
export const BLOCKING = ['HIGH', 'MEDIUM'];
const ALLOWLIST = path.join(REPO, '.ci', 'electronegativity-allow.json');
const REPORT = path.join(REPO, '.ci', '.electronegativity', 'report.sarif');

/**
 * The allowlist file: `{ "allow": [{ "rule", "file", "justification" }] }`. Returns the entries and, separately,
 * every problem with them; an entry without a justification is an error, not a silent pass.
 */
export function parseAllowlist(text) {
  const errors = [];
  let data;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { entries: [], errors: [`the allowlist is not valid JSON: ${error.message}`] };
  }
  if (!data || !Array.isArray(data.allow)) return { entries: [], errors: ['the allowlist needs an "allow" array'] };
  const entries = [];
  data.allow.forEach((entry, index) => {
    const where = `allow[${index}]`;
    if (!entry || typeof entry !== 'object') return errors.push(`${where} is not an object`);
    const { rule, file, justification } = entry;
    if (typeof rule !== 'string' || !/^[A-Z0-9_]+$/.test(rule)) return errors.push(`${where} needs a rule id, e.g. "PRELOAD_JS_CHECK"`);
    if (typeof file !== 'string' || file.trim() === '') return errors.push(`${where} (${rule}) needs the file it excuses`);
    if (typeof justification !== 'string' || justification.trim() === '') {
      return errors.push(`${where} (${rule} in ${file}) has no justification`);
    }
    if (/[\r\n]/.test(justification)) return errors.push(`${where} (${rule} in ${file}): the justification must be one line`);
    entries.push({ rule, file: toPosix(file), justification: justification.trim() });
  });
  return { entries, errors };
}

const toPosix = (file) => file.split(path.sep).join('/').replace(/^\.\//, '');

/** Electronegativity issues reduced to plain rows. Global checks report the file "N/A". */
export function toFindings(issues) {
  return issues.map((issue) => ({
    rule: issue.id,
    severity: issue.severity?.name ?? 'HIGH',
    file: issue.file === 'N/A' ? 'N/A' : toPosix(issue.file),
    line: issue.location?.line ?? 0,
    description: issue.description ?? '',
  }));
}

/** Splits findings into blocking, allowed and minor ones, and reports allowlist entries that match nothing. */
export function judge(findings, entries) {
  const allows = (finding) => entries.find((entry) => entry.rule === finding.rule && entry.file === finding.file);
  const serious = findings.filter((finding) => BLOCKING.includes(finding.severity));
  const used = new Set();
  const blocking = [];
  const allowed = [];
  for (const finding of serious) {
    const entry = allows(finding);
    if (entry) {
      used.add(entry);
      allowed.push({ ...finding, justification: entry.justification });
    } else {
      blocking.push(finding);
    }
  }
  return {
    blocking,
    allowed,
    minor: findings.length - serious.length,
    stale: entries.filter((entry) => !used.has(entry)),
  };
}

export function formatReport({ blocking, allowed, minor, stale }, allowlistErrors = []) {
  const rows = [
    ...blocking.map((f) => ['BLOCKING', f.severity, f.rule, `${f.file}:${f.line}`, f.description]),
    ...allowed.map((f) => ['allowed', f.severity, f.rule, `${f.file}:${f.line}`, f.justification]),
  ];
  const lines = [];
  if (rows.length > 0) {
    const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column].length)));
    for (const row of rows) lines.push(row.map((cell, column) => (column < 4 ? cell.padEnd(widths[column]) : cell)).join('  '));
  }
  for (const entry of stale) lines.push(`warning: allowlist entry ${entry.rule} in ${entry.file} matches no finding; remove it`);
  for (const error of allowlistErrors) lines.push(`error: ${error}`);
  const failed = blocking.length > 0 || allowlistErrors.length > 0;
  lines.push(
    `electronegativity: ${blocking.length} blocking, ${allowed.length} allowed, ${minor} low/informational — ${failed ? 'FAIL' : 'pass'}`,
  );
  return { text: lines.join('\n'), failed };
}

/** Copies the scanned folders, without tests, to one folder: the scanner takes a single input. */
function stage() {
  const root = mkdtempSync(path.join(tmpdir(), 'omnidesk-electronegativity-'));
  for (const folder of SCANNED) {
    cpSync(path.join(REPO, folder), path.join(root, folder), {
      recursive: true,
      filter: (source) => !/\.test\.tsx?$/.test(source),
    });
  }
  return root;
}

async function main() {
  const allowlist = parseAllowlist(readFileSync(ALLOWLIST, 'utf8'));
  const run = createRequire(import.meta.url)('@doyensec/electronegativity');
  const staged = stage();
  mkdirSync(path.dirname(REPORT), { recursive: true });
  try {
    const result = await run({
      input: staged,
      output: REPORT,
      isSarif: true,
      isRelative: true,
      electronVersionOverride: ELECTRON_VERSION,
    });
    for (const { file, message, tolerable } of result.errors) {
      console.error(`${tolerable ? 'warning' : 'error'}: ${path.relative(staged, file)}: ${message}`);
    }
    // A file the scanner could not parse was not scanned: its findings would be missing, not absent.
    if (result.errors.some((error) => !error.tolerable)) return 1;
    const report = formatReport(judge(toFindings(result.issues), allowlist.entries), allowlist.errors);
    console.log(report.text);
    console.log(`SARIF report: ${path.relative(REPO, REPORT)}`);
    return report.failed ? 1 : 0;
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`electronegativity gate failed to run: ${error?.stack ?? error}`);
      process.exitCode = 1;
    },
  );
}
