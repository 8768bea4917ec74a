import { describe, expect, it } from 'vitest';
import * as ort from './ort';
import { KvCache, kvTensorName } from './kvCache';

const spec = { layers: 2, kvHeads: 2, headDim: 3, pastName: 'past_key_values.%d.%s', presentName: 'present.%d.%s' };

/** A run's presents: value = 100·head + 10·position + dim, the same in every layer. */
function presents(positions: number): Record<string, ort.Tensor> {
  const data = Float32Array.from({ length: 2 * positions * 3 }, (_, i) => 100 * Math.floor(i / (positions * 3)) + 10 * Math.floor((i % (positions * 3)) / 3) + (i % 3));
  const out: Record<string, ort.Tensor> = {};
  for (const layer of [0, 1]) for (const which of ['key', 'value'] as const) out[kvTensorName(spec.presentName, layer, which)] = new ort.Tensor('float32', data, [1, 2, positions, 3]);
  return out;
}

describe('KvCache', () => {
  it('starts empty: zero-length pasts for every layer, key and value', () => {
    const cache = new KvCache(spec);
    expect(cache.length).toBe(0);
    expect(Object.entries(cache.feeds()).map(([name, t]) => `${name} [${t.dims.join(',')}]`)).toEqual([
      'past_key_values.0.key [1,2,0,3]',
      'past_key_values.0.value [1,2,0,3]',
      'past_key_values.1.key [1,2,0,3]',
      'past_key_values.1.value [1,2,0,3]',
    ]);
  });

  it("feeds a run's presents back as the next run's pasts and counts the positions", () => {
    const cache = new KvCache(spec);
    const out = presents(4);
    cache.update(out, 4);
    expect(cache.length).toBe(4);
    expect(cache.feeds()['past_key_values.1.value']).toBe(out['present.1.value']);
    expect(Array.from(cache.attentionMask(1).data as BigInt64Array)).toEqual([1n, 1n, 1n, 1n, 1n]);
  });

  it('refuses presents that do not extend the cache by the positions run', () => {
    const cache = new KvCache(spec);
    expect(() => cache.update(presents(3), 4)).toThrow('present.0.key holds 3 positions, expected 0 + 4');
  });

  it('with a window, expects presents cut to its last positions: the cache stops growing', () => {
    const cache = new KvCache(spec, 'float32', 5);
    cache.update(presents(3), 3);
    cache.update(presents(5), 4);
    expect(cache.length).toBe(5);
    expect(cache.attentionMask(2).dims).toEqual([1, 7]);
    cache.update(presents(5), 2);
    expect(cache.length).toBe(5);
    expect(() => cache.update(presents(6), 1)).toThrow('present.0.key holds 6 positions, expected 5 + 1 kept to the last 5');
  });

  it('keeps the first positions of every head on truncate', () => {
    const cache = new KvCache(spec);
    cache.update(presents(4), 4);
    cache.truncate(2);
    expect(cache.length).toBe(2);
    const key = cache.feeds()['past_key_values.0.key'];
    expect(key.dims).toEqual([1, 2, 2, 3]);
    expect(Array.from(key.data as Float32Array)).toEqual([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]);
    cache.truncate(0);
    expect(cache.length).toBe(0);
    expect(cache.feeds()['past_key_values.0.key'].dims).toEqual([1, 2, 0, 3]);
  });
});
