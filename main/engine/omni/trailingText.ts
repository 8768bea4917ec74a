/**
 * The talker's trailing text queue (qwen3-omni.md §9.2 step 3, §9.4): talker step k adds row k to its input —
 * `text_projection` of the reply's (k+1)-th token g_{k+1}, then `tts_eos` once, then `tts_pad` forever.
 *
 * Which tokens: transformers (batch 1) takes the embeddings the thinker consumed, i.e. every generated token that
 * was fed back — all but the last one. After `<|im_end|>` that is the rule "every token before it"; at the thinker's
 * token limit it drops the real last word, as transformers does (the golden cases stop there). So a token joins the
 * queue only once the thinker has moved past it (a later token exists), and when the thinker stops, its last token
 * is dropped and `tts_eos` follows. The talker never substitutes padding for a token still to come: when it runs
 * ahead of the text, `row` waits.
 *
 * Rows are projected in batches: a `row` call projects every token that joined since the last projection in one run.
 */

export interface TrailingTextTokens {
  ttsEos: number;
  ttsPad: number;
}

export class TrailingText {
  /** g1, g2, … as the thinker generated them (g0 is in the talker's prompt). */
  private readonly tokens: number[] = [];
  /** Rows of tokens[0 … projected). */
  private readonly rows: Float32Array[] = [];
  /** tts_eos and tts_pad once the thinker stopped. */
  private ends?: { eos: Float32Array; pad: Float32Array };
  private ended = false;
  private failure?: { error: unknown };
  private waiters: (() => void)[] = [];
  /** Milliseconds `row` spent waiting for the thinker. */
  waitMs = 0;

  constructor(
    /** `text_projection` of word embeddings: `[n, H]` for n ids. */
    private readonly project: (ids: readonly number[], signal?: AbortSignal) => Promise<Float32Array>,
    private readonly special: TrailingTextTokens,
  ) {}

  /** A token the thinker generated after g0 (its final `<|im_end|>` included). */
  push(id: number): void {
    this.tokens.push(id);
    this.wake();
  }

  /** The thinker stopped: its last token was not fed back and is dropped; tts_eos, then tts_pad follow. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** The thinker failed: waiting rows fail with its error. */
  fail(error: unknown): void {
    this.failure = { error };
    this.wake();
  }

  /** Row `step` of the queue (`[H]`), once known. */
  async row(step: number, signal?: AbortSignal): Promise<Float32Array> {
    for (;;) {
      signal?.throwIfAborted();
      // Tokens the thinker has moved past: all but the last one seen.
      const fed = Math.max(0, this.tokens.length - 1);
      if (step < fed) {
        if (step >= this.rows.length) await this.projectUpTo(fed, signal);
        return this.rows[step];
      }
      if (this.ended) {
        const ends = this.ends ?? (await this.projectEnds(fed, signal));
        return step === fed ? ends.eos : ends.pad;
      }
      if (this.failure) throw this.failure.error;
      const waitStart = performance.now();
      await this.changed(signal);
      this.waitMs += performance.now() - waitStart;
    }
  }

  private async projectUpTo(fed: number, signal?: AbortSignal): Promise<void> {
    const ids = this.tokens.slice(this.rows.length, fed);
    this.rows.push(...splitRows(await this.project(ids, signal), ids.length));
  }

  /** The last fed tokens not yet projected and the two special rows, in one run. */
  private async projectEnds(fed: number, signal?: AbortSignal): Promise<{ eos: Float32Array; pad: Float32Array }> {
    const ids = [...this.tokens.slice(this.rows.length, fed), this.special.ttsEos, this.special.ttsPad];
    const rows = splitRows(await this.project(ids, signal), ids.length);
    this.rows.push(...rows.slice(0, -2));
    this.ends = { eos: rows[rows.length - 2], pad: rows[rows.length - 1] };
    return this.ends;
  }

  private changed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

function splitRows(data: Float32Array, n: number): Float32Array[] {
  const width = data.length / n;
  return Array.from({ length: n }, (_, k) => data.subarray(k * width, (k + 1) * width));
}
