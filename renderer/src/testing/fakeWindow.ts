/** Just enough of `window` for the stream handshake: message events with a source, an origin and ports. */
export function fakeWindow(origin = 'app://omnidesk') {
  const target = Object.assign(new EventTarget(), { location: { origin } });
  const deliver = (data: unknown, ports: MessagePort[], from: { source?: unknown; origin?: string } = {}) =>
    target.dispatchEvent(Object.assign(new Event('message'), { data, ports, source: from.source ?? target, origin: from.origin ?? origin }));
  return { target, deliver };
}
