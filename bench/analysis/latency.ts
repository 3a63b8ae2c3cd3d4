// The client's latency of a cell group, the one way every view reads it: the repeats' histograms
// merged exactly (bucket counts added) and percentiles read from the merge — never the median or mean
// of per-repeat percentiles, which differ from it (by up to ~30 % at p99 in a default run). Per-repeat
// percentiles exist only as samples for the comparison's confidence intervals.
import { decode, mergeEncoded } from '../hist/histogram.js';
import { okRepeats, type CellGroup } from './groups.js';
import { spectrumPoints } from './spectrum.js';
import { median } from './stats.js';

export interface MergedLatency {
  /** Operations recorded over the ok repeats. */
  count: number;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
  p999Ns: number;
  maxNs: number;
  /** The percentile spectrum (1/(1-p), µs) for charts. */
  points: Array<[number, number]>;
}

const cache = new WeakMap<CellGroup, Map<string, MergedLatency>>();

/** One operation of a group, its ok repeats merged; decoded once per group and operation (decoding is the cost). */
export function mergedLatency(g: CellGroup, op: string): MergedLatency {
  let m = cache.get(g);
  if (!m) {
    m = new Map();
    cache.set(g, m);
  }
  let s = m.get(op);
  if (s) return s;
  const enc = okRepeats(g)
    .map((c) => c.ops[op]?.histogram)
    .filter((h): h is string => !!h);
  const h = mergeEncoded(enc);
  try {
    const n = h.totalCount;
    const at = (p: number): number => (n ? h.getValueAtPercentile(p) : 0);
    s = { count: n, p50Ns: at(50), p90Ns: at(90), p99Ns: at(99), p999Ns: at(99.9), maxNs: n ? h.maxValue : 0, points: spectrumPoints(h) };
  } finally {
    h.destroy();
  }
  m.set(op, s);
  return s;
}

export interface Throughput {
  /** Ok repeats that recorded the operation. */
  repeats: number;
  /** Median over those repeats, and their range. */
  opsPerSec: number;
  opsPerSecMin: number;
  opsPerSecMax: number;
  bytesPerSec: number;
}

/** Throughput is a rate per repeat (its own window), so repeats are summarised by their median. */
export function throughput(g: CellGroup, op: string): Throughput {
  const os = okRepeats(g)
    .map((c) => c.ops[op])
    .filter((o) => o !== undefined);
  const rates = os.map((o) => o.opsPerSec);
  return {
    repeats: os.length,
    opsPerSec: median(rates),
    opsPerSecMin: Math.min(...rates),
    opsPerSecMax: Math.max(...rates),
    bytesPerSec: median(os.map((o) => o.bytesPerSec)),
  };
}

export interface RepeatSamples {
  p50: number[];
  p99: number[];
  tput: number[];
}

/**
 * One sample per ok repeat that recorded the operation: its own p50/p99 and throughput. These are the
 * independent observations a confidence interval resamples; they are not a summary to print.
 */
export function repeatSamples(g: CellGroup, op: string): RepeatSamples | null {
  const out: RepeatSamples = { p50: [], p99: [], tput: [] };
  for (const c of okRepeats(g)) {
    const o = c.ops[op];
    if (!o || o.count === 0) continue;
    const h = decode(o.histogram);
    try {
      out.p50.push(h.getValueAtPercentile(50));
      out.p99.push(h.getValueAtPercentile(99));
    } finally {
      h.destroy();
    }
    out.tput.push(o.opsPerSec);
  }
  return out.p50.length > 0 ? out : null;
}
