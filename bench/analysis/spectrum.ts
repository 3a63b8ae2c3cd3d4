// The HdrHistogram percentile spectrum: latency against 1/(1-p) on a log axis, downsampled to a
// fixed number of points so the page stays small whatever the sample count.
import type { Histogram } from 'hdr-histogram-js';

const SPECTRUM_POINTS = 100;

/** (1/(1-p), latency in µs) from p = 0 up to p = 1 - 1/count, log-spaced. */
export function spectrumPoints(h: Histogram, n = SPECTRUM_POINTS): Array<[number, number]> {
  const count = h.totalCount;
  if (count === 0) return [];
  const maxX = Math.max(2, count);
  const L = Math.log10(maxX);
  const out: Array<[number, number]> = [];
  for (let k = 0; k < n; k++) {
    const x = 10 ** ((k * L) / (n - 1));
    const p = 100 * (1 - 1 / x);
    const us = h.getValueAtPercentile(p) / 1000;
    out.push([+x.toPrecision(4), +Math.max(us, 0.001).toPrecision(4)]);
  }
  return out;
}
