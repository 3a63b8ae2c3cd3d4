// Histograms from several workers must merge exactly: same total count and the same percentiles as a
// single histogram fed every value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, mergeEncoded, newHistogram, recordAll, summarize } from '../bench/hist/histogram.js';

function lognormalish(seed: number, n: number): Float64Array {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // A long tail: most values around 20 µs, some up to tens of ms.
    const u = next();
    out[i] = Math.round(20_000 * Math.exp(3 * (u - 0.5)) * (next() < 0.01 ? 500 : 1));
  }
  return out;
}

test('two workers merge to the same histogram as one fed all values', () => {
  const a = lognormalish(1, 50_000);
  const b = lognormalish(2, 70_000);
  const ha = newHistogram();
  const hb = newHistogram();
  const all = newHistogram();
  recordAll(ha, a);
  recordAll(hb, b);
  recordAll(all, a);
  recordAll(all, b);
  const merged = mergeEncoded([encode(ha), encode(hb)]);
  assert.equal(merged.totalCount, a.length + b.length);
  assert.equal(merged.totalCount, all.totalCount);
  for (const p of [0, 1, 10, 50, 90, 99, 99.9, 99.99, 100]) {
    assert.equal(merged.getValueAtPercentile(p), all.getValueAtPercentile(p), `p${p}`);
  }
  // Encoding keeps buckets, not the raw extreme values: compare with the single histogram after the
  // same round trip the workers' histograms make.
  const allRoundTrip = decode(encode(all));
  assert.equal(merged.maxValue, allRoundTrip.maxValue);
  assert.equal(merged.minNonZeroValue, allRoundTrip.minNonZeroValue);
  assert.equal(merged.mean, allRoundTrip.mean);
});

test('encode/decode round trip keeps every bucket', () => {
  const h = newHistogram();
  recordAll(h, lognormalish(3, 10_000));
  const back = decode(encode(h));
  assert.equal(back.totalCount, h.totalCount);
  assert.equal(back.getValueAtPercentile(99.9), h.getValueAtPercentile(99.9));
});

test('summarize reports rates over the window and exact percentiles', () => {
  const h = newHistogram();
  recordAll(h, [1000, 2000, 3000, 4000]);
  const s = summarize({ histogram: h, durationNs: 2e9, bytesPerOp: 4096 });
  assert.equal(s.count, 4);
  assert.equal(s.opsPerSec, 2);
  assert.equal(s.bytesPerSec, 8192);
  assert.equal(s.maxNs, h.maxValue);
  assert.equal(s.p50Ns, h.getValueAtPercentile(50));
});
