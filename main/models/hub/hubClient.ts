/**
 * The two Hub calls a download needs (huggingface_hub `hf_api.model_info(files_metadata=True)` and `hf_hub_url`):
 * `GET /api/models/{repo}/revision/{rev}?blobs=true` → the commit and every file with its size and digest (LFS
 * files: `lfs.sha256`; others: `blobId`, git's blob SHA-1), and `/{repo}/resolve/{commit}/{file}` for the bytes,
 * always by commit so a branch moving mid-download cannot mix two revisions.
 */
import { z } from 'zod';
import { describeIssues } from '../../engine/protocol';
import { ModelError } from '../errors';
import type { Digest } from '../hash/hashWorker';
import { COMMIT, safeRepoPath, type RepoId } from '../layout';
import { HttpStatusError, readJson } from './http';
import { backoffMs, DEFAULT_RETRY, isTransient, isUnreachable, sleep, TransientError, type RetryPolicy } from './retry';

export interface RemoteFile {
  /** Path inside the repository, with forward slashes, as the Hub lists it. */
  path: string;
  size: number;
  digest: Digest;
}

export interface Snapshot {
  repo: string;
  commit: string;
  files: RemoteFile[];
}

export interface HubAccess {
  endpoint: string;
  token?: string;
  retry?: RetryPolicy;
  /** A listing that takes longer is abandoned and retried. */
  timeoutMs?: number;
}

const ModelInfo = z.object({
  sha: z.string().regex(COMMIT, 'expected a 40-hex commit'),
  siblings: z.array(
    z.object({
      rfilename: z.string().min(1),
      size: z.number().int().nonnegative(),
      blobId: z.string().regex(/^[0-9a-f]{40}$/),
      lfs: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }).optional(),
    }),
  ),
});

export const authHeaders = (access: HubAccess): Record<string, string> =>
  access.token ? { authorization: `Bearer ${access.token}` } : {};

export function resolveUrl(access: HubAccess, repo: RepoId, commit: string, file: string): URL {
  const encoded = file.split('/').map(encodeURIComponent).join('/');
  return new URL(`${access.endpoint}/${repo.org}/${repo.name}/resolve/${commit}/${encoded}`);
}

/** Turns an HTTP answer from the Hub into the error a user can act on. */
export function hubError(error: unknown, repo: RepoId, what: string): ModelError | undefined {
  if (!(error instanceof HttpStatusError)) return undefined;
  const { status, hubCode } = error;
  if (hubCode === 'RepoNotFound' || hubCode === 'RevisionNotFound' || hubCode === 'EntryNotFound' || status === 404) {
    return new ModelError('REPO_NOT_FOUND', `${what}: not found on the Hub (${hubCode ?? `HTTP ${status}`})`, `Check the spelling of ${repo.id} and the revision; a private repository also needs HF_TOKEN.`);
  }
  if (status === 401 || status === 403 || hubCode === 'GatedRepo') {
    return new ModelError(
      'AUTH_REQUIRED',
      `${what}: the Hub refused access (HTTP ${status}${hubCode ? `, ${hubCode}` : ''})`,
      `Accept the model's terms on its Hub page, then give a token with read access (HF_TOKEN for the CLI; Settings → Models in the app).`,
    );
  }
  return undefined;
}

export async function fetchSnapshot(access: HubAccess, repo: RepoId, revision: string, signal?: AbortSignal): Promise<Snapshot> {
  const url = new URL(`${access.endpoint}/api/models/${repo.org}/${repo.name}/revision/${encodeURIComponent(revision)}?blobs=true`);
  const policy = access.retry ?? DEFAULT_RETRY;
  for (let failures = 1; ; failures++) {
    const timeout = AbortSignal.timeout(access.timeoutMs ?? 30_000);
    try {
      return parseSnapshot(repo, await readJson(url, { headers: authHeaders(access), signal: signal ? AbortSignal.any([signal, timeout]) : timeout }));
    } catch (caught) {
      if (signal?.aborted) throw caught;
      const error = timeout.aborted ? new TransientError(`no answer within ${access.timeoutMs ?? 30_000} ms`) : caught;
      const known = hubError(error, repo, `${repo.id}@${revision}`);
      if (known) throw known;
      if (error instanceof ModelError) throw error;
      if (!(isTransient(error) || error instanceof SyntaxError) || failures >= policy.attempts) {
        throw new ModelError(
          'DOWNLOAD_FAILED',
          `Could not list the files of ${repo.id}@${revision} at ${access.endpoint}: ${(error as Error).message}`,
          isUnreachable(error) ? 'Check the network connection, or set --endpoint / HF_ENDPOINT to a reachable mirror.' : 'Try again later; the Hub or the mirror may be busy.',
        );
      }
      await sleep(backoffMs(policy, failures), signal);
    }
  }
}

function parseSnapshot(repo: RepoId, json: unknown): Snapshot {
  const parsed = ModelInfo.safeParse(json);
  if (!parsed.success) {
    throw new ModelError('DOWNLOAD_FAILED', describeIssues(`model info of ${repo.id}`, parsed.error), 'The endpoint did not answer like the Hugging Face Hub; check --endpoint / HF_ENDPOINT.');
  }
  const files = parsed.data.siblings.map((s): RemoteFile => {
    safeRepoPath(s.rfilename);
    return s.lfs
      ? { path: s.rfilename, size: s.lfs.size, digest: { algorithm: 'sha256', hex: s.lfs.sha256 } }
      : { path: s.rfilename, size: s.size, digest: { algorithm: 'git-sha1', hex: s.blobId } };
  });
  return { repo: repo.id, commit: parsed.data.sha, files };
}
