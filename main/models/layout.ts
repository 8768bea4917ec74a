/**
 * Where a model lives in the data folder (../shared/spec/architecture.md, "Data on disk"):
 * `models/<org>/<name>/<commit>/checkpoint/…` (the Hub snapshot) and `…/bundles/<variant>/…` (built ONNX), with
 * downloads staged in `downloads/<org>--<name>--<commit>/` until every file is verified. Names that come from the
 * command line or from a Hub listing become paths, so they are checked here before any path is built from them.
 */
import path from 'node:path';
import { ModelError } from './errors';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
export const COMMIT = /^[0-9a-f]{40}$/;

export interface RepoId {
  org: string;
  name: string;
  id: string;
}

export function parseRepoId(id: string): RepoId {
  const [org, name, extra] = id.split('/');
  const ok = extra === undefined && [org, name].every((part) => part !== undefined && NAME.test(part) && !part.includes('..') && !part.includes('--'));
  if (!ok) {
    throw new ModelError('INVALID_REQUEST', `"${id}" is not a Hugging Face model id`, 'Write it as organisation/name, e.g. Qwen/Qwen3-Omni-30B-A3B-Instruct.');
  }
  return { org, name, id };
}

/** A file path from a Hub listing, as a relative path that cannot leave the folder it is placed in. */
export function safeRepoPath(file: string): string {
  const parts = file.split('/');
  const ok = !file.includes('\\') && !file.includes('\0') && parts.every((p) => p !== '' && p !== '.' && p !== '..');
  if (!ok) throw new ModelError('DOWNLOAD_FAILED', `The Hub listed an unsafe file name "${file}"`, 'Check the endpoint: a mirror returned a listing that is not a model repository.');
  return path.join(...parts);
}

export const modelDir = (models: string, repo: RepoId) => path.join(models, repo.org, repo.name);
export const revisionDir = (models: string, repo: RepoId, commit: string) => path.join(modelDir(models, repo), commit);
export const checkpointDir = (models: string, repo: RepoId, commit: string) => path.join(revisionDir(models, repo, commit), 'checkpoint');
export const bundlesDir = (models: string, repo: RepoId, commit: string) => path.join(revisionDir(models, repo, commit), 'bundles');

export const stagingPrefix = (repo: RepoId) => `${repo.org}--${repo.name}--`;
export const stagingDir = (downloads: string, repo: RepoId, commit: string) => path.join(downloads, `${stagingPrefix(repo)}${commit}`);

/** Written last into a checkpoint: which files it holds and their digests, so it can be checked again later. */
export const SOURCE_RECORD = '.omnidesk-source.json';
