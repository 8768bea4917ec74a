/**
 * The transcripts of recent spoken replies by their audio id. OpenAI's clients continue a spoken conversation by
 * sending an earlier reply back as `{"role": "assistant", "audio": {"id": …}}` without its text; the server keeps
 * what it needs to resolve that until the reply's `expires_at`. Only the text is kept: the model's next turn reads
 * its own earlier replies as text, as in the app.
 */
import { randomUUID } from 'node:crypto';

const KEPT_SECONDS = 3600;
const KEPT_REPLIES = 256;

export class SpokenReplies {
  private readonly transcripts = new Map<string, { transcript: string; expiresAt: number }>();

  constructor(private readonly now: () => number = () => Date.now() / 1000) {}

  /** A new id for a reply and when it expires (Unix seconds); the transcript follows once the reply is complete. */
  issue(): { id: string; expiresAt: number } {
    return { id: `audio_${randomUUID().replaceAll('-', '')}`, expiresAt: Math.floor(this.now()) + KEPT_SECONDS };
  }

  remember(reply: { id: string; expiresAt: number }, transcript: string): void {
    this.transcripts.set(reply.id, { transcript, expiresAt: reply.expiresAt });
    for (const [id, kept] of this.transcripts) {
      if (this.transcripts.size <= KEPT_REPLIES && kept.expiresAt > this.now()) break;
      this.transcripts.delete(id);
    }
  }

  transcript(id: string): string | undefined {
    const kept = this.transcripts.get(id);
    return kept && kept.expiresAt > this.now() ? kept.transcript : undefined;
  }
}
