/**
 * Faults the fake Hub can inject, chosen deterministically: the decision for a request depends on the seed, the file,
 * the block of the file the request starts in and how many requests started in that block before — not on the order
 * in which parallel requests arrive, nor on exactly where a retry resumes (which depends on TCP timing) — so a seed
 * replays the same sequence of faults for each block.
 */
import { createHash } from 'node:crypto';

export type Fault =
  /** The connection is reset (RST) after `at` body bytes. */
  | { kind: 'reset'; at: number }
  /** An error status instead of the body. */
  | { kind: 'status'; status: 500 | 502 | 503 | 429 }
  /** The body stops after `at` bytes and the connection stays open, silent. */
  | { kind: 'stall'; at: number }
  /** The connection is closed cleanly after `at` bytes although Content-Length promised more. */
  | { kind: 'truncate'; at: number }
  /** Chunked encoding that ends cleanly after `at` bytes: a complete-looking but short response. */
  | { kind: 'short'; at: number }
  /** One byte at body offset `at` is flipped. */
  | { kind: 'corrupt'; at: number }
  /** The Range header is ignored: 200 with the whole file. */
  | { kind: 'ignoreRange' }
  /** `hops` extra redirects before the real answer (more than five is a loop to the client). */
  | { kind: 'redirect'; hops: number };

export type FaultKind = Fault['kind'];

export interface FaultContext {
  /**
   * `api`: the model-info call; `resolve`: a small file's bytes from the Hub's resolve URL; `redirect`: the resolve
   * URL of an LFS file, answered with a redirect; `cdn`: where LFS bytes are served.
   */
  channel: 'api' | 'resolve' | 'redirect' | 'cdn';
  file: string;
  start: number;
  /** Bytes the response would carry. */
  length: number;
}

export type FaultPlan = (request: FaultContext) => Fault | undefined;

/** mulberry32 seeded from the key's SHA-256, so keys that differ in one character give unrelated sequences. */
export function randomFor(key: string): () => number {
  let state = createHash('sha256').update(key).digest().readInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BODY_FAULTS: FaultKind[] = ['reset', 'stall', 'truncate', 'short', 'corrupt', 'ignoreRange', 'status'];
const CHANNEL_FAULTS: Record<FaultContext['channel'], FaultKind[]> = {
  api: ['status', 'reset', 'truncate', 'stall'],
  resolve: ['redirect', ...BODY_FAULTS],
  redirect: ['status', 'redirect'],
  cdn: BODY_FAULTS,
};

/**
 * Each request fails with probability `rate`, with one of `kinds` that makes sense on its channel; `blockBytes`
 * should be the client's segment size, so that every retry of a segment counts as the next attempt at that block.
 */
export function seededFaults(seed: string, rate: number, options: { kinds?: FaultKind[]; blockBytes?: number } = {}): FaultPlan {
  const kinds = options.kinds ?? [...BODY_FAULTS, 'redirect'];
  const attempts = new Map<string, number>();
  return ({ channel, file, start, length }) => {
    const block = `${channel}|${file}|${Math.floor(start / (options.blockBytes ?? 1))}`;
    const attempt = attempts.get(block) ?? 0;
    attempts.set(block, attempt + 1);
    const random = randomFor(`${seed}|${block}|${attempt}`);
    if (random() >= rate) return undefined;
    const usable = kinds.filter((k) => CHANNEL_FAULTS[channel].includes(k));
    if (usable.length === 0) return undefined;
    const kind = usable[Math.floor(random() * usable.length)];
    const at = Math.floor(random() * Math.max(1, length));
    switch (kind) {
      case 'status':
        return { kind, status: ([500, 502, 503, 429] as const)[Math.floor(random() * 4)] };
      case 'ignoreRange':
        return { kind };
      case 'redirect':
        return { kind, hops: 1 + Math.floor(random() * 3) };
      default:
        return { kind, at };
    }
  };
}

/** The same fault on every request for `file` on `channel`: for failures that must end in a clear error. */
export const persistentFault =
  (file: string, fault: Fault, channel: FaultContext['channel'] = 'cdn'): FaultPlan =>
  (request) =>
    request.file === file && request.channel === channel ? fault : undefined;
