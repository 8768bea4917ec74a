import { describe, expect, it } from 'vitest';
import { SseParser, type ServerSentEvent } from './sse';

/** Feeds `text` cut at every given position and returns all events. */
function parse(text: string, cuts: number[] = []): ServerSentEvent[] {
  const parser = new SseParser();
  const events: ServerSentEvent[] = [];
  let start = 0;
  for (const cut of [...cuts, text.length]) {
    events.push(...parser.push(text.slice(start, cut)));
    start = cut;
  }
  return events;
}

const message = (data: string, extra: Partial<ServerSentEvent> = {}): ServerSentEvent => ({ event: 'message', data, ...extra });

describe('SseParser', () => {
  it('yields one event per blank-line-terminated block, dropping the optional space after the colon', () => {
    expect(parse('data: {"a":1}\n\ndata:{"b":2}\n\n')).toEqual([message('{"a":1}'), message('{"b":2}')]);
  });

  it('gives the same events however the text is cut, down to every single position', () => {
    const text = 'data: one\r\n\r\n: keep-alive\r\ndata: two\rdata: lines\r\rdata: [DONE]\n\n';
    const whole = parse(text);
    expect(whole).toEqual([message('one'), message('two\nlines'), message('[DONE]')]);
    for (let cut = 1; cut < text.length; cut++) expect(parse(text, [cut]), `cut at ${cut}`).toEqual(whole);
    expect(parse(text, [...text].map((_, i) => i).slice(1))).toEqual(whole);
  });

  it('treats a CR at the end of one piece and a LF at the start of the next as one line break', () => {
    expect(parse('data: a\r\n\r\ndata: b\r\n\r\n', [8, 10])).toEqual([message('a'), message('b')]);
  });

  it('joins multi-line data with line feeds and keeps empty data lines', () => {
    expect(parse('data: first\ndata:\ndata: third\n\n')).toEqual([message('first\n\nthird')]);
  });

  it('skips comments and unknown fields, and reads event and id', () => {
    expect(parse(': ping\nretry: 10\nfoo: bar\nevent: delta\nid: 7\ndata: x\n\n')).toEqual([message('x', { event: 'delta', id: '7' })]);
  });

  it('dispatches nothing for a block without data, and drops an unterminated last event', () => {
    expect(parse('event: ping\n\n: comment only\n\ndata: cut off')).toEqual([]);
  });

  it('ignores a byte-order mark at the very start only', () => {
    expect(parse('\uFEFFdata: a\n\n')).toEqual([message('a')]);
    expect(parse('\uFEFFda', [1])).toEqual([]);
    expect(parse('\uFEFFdata: a\n\n', [1])).toEqual([message('a')]);
  });

  it('takes a field name without a colon as a field with an empty value', () => {
    expect(parse('data\n\n')).toEqual([message('')]);
  });
});
