/**
 * Incremental detokenisation: turns token ids, one at a time, into text deltas that never split a character.
 * Byte-level BPE tokens can end inside a multi-byte UTF-8 character (`🦜` is two tokens), and decoding such a
 * prefix yields U+FFFD; so a delta is released only when the decoded text does not end in U+FFFD, and each decode
 * covers a short window (the tokens since the last released boundary) rather than the whole reply. `finish()`
 * releases whatever is left, U+FFFD included where the tokens really are invalid UTF-8 (as a full decode shows).
 * The deltas concatenated equal the decode of all ids.
 */

export interface Detokenizer {
  decode(ids: readonly number[]): string;
}

const REPLACEMENT = '\uFFFD';

export class TextStream {
  private readonly ids: number[] = [];
  /** Start of the decode window: the tokens before it are released and stable. */
  private prefixOffset = 0;
  /** End of what the window has released so far. */
  private readOffset = 0;

  constructor(private readonly tokenizer: Detokenizer) {}

  /** Adds one token; returns the newly complete text ('' while a character is still incomplete). */
  push(id: number): string {
    this.ids.push(id);
    const released = this.tokenizer.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const window = this.tokenizer.decode(this.ids.slice(this.prefixOffset));
    if (window.length <= released.length || window.endsWith(REPLACEMENT)) return '';
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    return window.slice(released.length);
  }

  /** The text held back at the end of generation. */
  finish(): string {
    const released = this.tokenizer.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const window = this.tokenizer.decode(this.ids.slice(this.prefixOffset));
    this.prefixOffset = this.readOffset = this.ids.length;
    return window.slice(released.length);
  }
}
