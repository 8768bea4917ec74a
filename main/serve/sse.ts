/**
 * Server-sent events as OpenAI streams them: `data: <json>` per event, `data: [DONE]` at the end, no event names.
 * Writes wait while the client's socket is full, so a slow reader slows the writer instead of growing a buffer.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

export class SseStream {
  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
  }

  /** False once the client has gone. */
  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  async send(event: unknown): Promise<void> {
    await this.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  async done(): Promise<void> {
    await this.write('data: [DONE]\n\n');
    this.res.end();
  }

  private async write(text: string): Promise<void> {
    if (!this.open) return;
    if (!this.res.write(text)) await Promise.race([once(this.res, 'drain'), once(this.res, 'close')]);
  }
}
