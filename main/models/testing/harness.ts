/** What the model-manager tests share: a temporary data folder, fast download settings and install checks. */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { homePaths } from '../../engine/home';
import { checkpointDir, parseRepoId, SOURCE_RECORD } from '../layout';
import { ModelPull, type PullOptions } from '../pull';
import type { FakeRepo } from './fakeRepo';
import { testTempDir } from '../../../test/tempDir';
import { testTuning } from './tuning';

export { testTuning };

/** A data folder for one test, removed when it finishes. */
export const tempHome = (label = 'home') => testTempDir(label);


export function pullFrom(hubUrl: string, home: string, repo: FakeRepo, overrides: Partial<PullOptions> = {}): ModelPull {
  return new ModelPull({
    repo: repo.id,
    revision: 'main',
    home,
    access: { endpoint: hubUrl, retry: { attempts: 6, baseDelayMs: 2, maxDelayMs: 20 }, timeoutMs: 200 },
    offline: false,
    hfCacheDirs: [],
    tuning: testTuning(),
    ...overrides,
  });
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/** Every installed file of `repo` byte-equal to the Hub's, nothing else in the checkpoint but the source record. */
export function expectInstalledExactly(home: string, repo: FakeRepo): string[] {
  const dir = checkpointDir(homePaths(home).models, parseRepoId(repo.id), repo.commit);
  const problems: string[] = [];
  const present = listFiles(dir).sort();
  const wanted = [...repo.files.map((f) => f.path), SOURCE_RECORD].sort();
  if (JSON.stringify(present) !== JSON.stringify(wanted)) problems.push(`files: ${present.join(', ')}`);
  for (const file of repo.files) {
    const at = path.join(dir, file.path);
    if (existsSync(at) && !readFileSync(at).equals(file.content)) problems.push(`${file.path} differs from the Hub's bytes`);
  }
  return problems;
}

/** Nothing of `repo` under models/: what a failed pull must leave. */
export const nothingInstalled = (home: string, repo: FakeRepo) =>
  !existsSync(path.join(homePaths(home).models, ...repo.id.split('/')));
