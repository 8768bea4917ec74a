/**
 * Server-sent events (the WHATWG event-stream format) parsed incrementally: the network hands over text split
 * anywhere — inside a line, between the CR and LF of a line break — so the parser keeps the unfinished line and the
 * event being built between `push` calls. Comments (`:` lines, keep-alives) and fields other than `event`, `data`
 * and `id` are dropped; a stream that ends without the blank line that closes its last event drops that event,
 * as the standard says.
 */

export interface ServerSentEvent {
  /** `message` unless the event names another type. */
  event: string;
  /** The event's `data` lines joined with line feeds. */
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = '';
  /** The previous push ended with a CR: a LF at the start of this one belongs to the same line break. */
  private pendingCr = false;
  private started = false;
  private event = '';
  private data: string[] = [];
  private id?: string;

  /** Feeds decoded text; returns the events it completed, in order. */
  push(text: string): ServerSentEvent[] {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const events: ServerSentEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      const event = this.line(this.buffer.slice(start, i));
      if (event) events.push(event);
      if (c === 0x0d) {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer.charCodeAt(i + 1) === 0x0a) i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const { event, data, id } = this;
    this.event = '';
    this.data = [];
    if (data.length === 0) return undefined;
    return { event: event || 'message', data: data.join('\n'), ...(id !== undefined && { id }) };
  }
}
