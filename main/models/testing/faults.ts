/**
 * Faults the fake Hub can inject, chosen deterministically: the decision for a request depends on the seed, the file,
 * the requested offset and how many times that same request was made before — not on the order in which parallel
 * requests happen to arrive — so a failing seed replays the same faults.
 */
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
  /** `api`: the model-info call; `resolve`: the Hub's resolve URL; `cdn`: where LFS bytes are served. */
  channel: 'api' | 'resolve' | 'cdn';
  file: string;
  start: number;
  /** Bytes the response would carry. */
  length: number;
  /** How many times this same request (channel, file, start) was seen before. */
  attempt: number;
}

export type FaultPlan = (request: FaultContext) => Fault | undefined;

/** mulberry32 over an FNV-1a hash of the key: small, fast and the same everywhere. */
export function randomFor(key: string): () => number {
  let state = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) state = Math.imul(state ^ key.charCodeAt(i), 0x01000193);
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
  resolve: ['status', 'redirect', ...BODY_FAULTS],
  cdn: BODY_FAULTS,
};

/** Each request fails with probability `rate`, with one of `kinds` that makes sense on its channel. */
export function seededFaults(seed: string, rate: number, kinds: FaultKind[] = [...BODY_FAULTS, 'redirect']): FaultPlan {
  return ({ channel, file, start, length, attempt }) => {
    const random = randomFor(`${seed}|${channel}|${file}|${start}|${attempt}`);
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
