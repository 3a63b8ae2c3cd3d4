// Medians, and significance for kernel-to-kernel comparison: a percentile bootstrap confidence
// interval of the ratio of medians across repeats (each repeat is one independent run of the cell),
// seeded so the same inputs always give the same answer. Small enough to own; no statistics dependency.

/** The median (mean of the two middle values for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export const METHOD = {
  name: 'bootstrap-ratio-of-medians',
  description:
    'For each cell and metric, the repeats of each side are resampled with replacement (independently), the ratio ' +
    'median(candidate) / median(baseline) is computed for every resample, and the central interval of those ratios is ' +
    'the confidence interval (percentile bootstrap). A change is called only when the whole interval lies beyond the ' +
    'noise threshold: slower when latency rises (or throughput falls) by more than the threshold, faster the other way, ' +
    'otherwise "no significant change". Each metric is classified on its own; the verdict of a cell follows p50 and ' +
    'throughput (slower or faster when either is and neither says the opposite, "mixed" when they disagree), while a p99 ' +
    'change is shown with its class but does not decide the verdict: with a handful of repeats a tail percentile moves with ' +
    'any background noise. With 3 repeats per side the 95 % interval is [min candidate / max baseline, ' +
    'max candidate / min baseline], so a change is called only when every repeat of one side is beyond every repeat of the ' +
    'other by more than the threshold. Per-repeat p50 and p99 come from that repeat\u2019s own histogram; throughput is the ' +
    'repeat\u2019s operations per second. Fewer than 2 repeats on a side gives "insufficient repeats" (there is no spread to ' +
    'judge noise by). Timings of an emulated (QEMU) run are not compared with a native run ("not comparable").',
} as const;

export type Classification = 'faster' | 'slower' | 'no significant change' | 'insufficient repeats' | 'not comparable';

export interface StatsOptions {
  /** Relative noise threshold, e.g. 0.05 for ±5 %. */
  threshold: number;
  /** Confidence level of the interval, e.g. 0.95. */
  confidence: number;
  resamples: number;
  seed: number;
}

export const DEFAULT_STATS: StatsOptions = { threshold: 0.05, confidence: 0.95, resamples: 2000, seed: 1 };

/** mulberry32: a small, well-mixed 32-bit PRNG; deterministic for a given seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, to derive a per-cell seed so adding a cell does not change the others' intervals. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function resampleMedian(xs: readonly number[], rnd: () => number, buf: number[]): number {
  for (let i = 0; i < xs.length; i++) buf[i] = xs[Math.floor(rnd() * xs.length)]!;
  return median(buf);
}

export interface RatioCI {
  /** median(candidate) / median(baseline). */
  ratio: number;
  low: number;
  high: number;
}

export function bootstrapRatioCI(baseline: readonly number[], candidate: readonly number[], o: StatsOptions, seedSalt = ''): RatioCI {
  const ratio = median(candidate) / median(baseline);
  if (baseline.length === 0 || candidate.length === 0 || !Number.isFinite(ratio)) return { ratio, low: NaN, high: NaN };
  const rnd = prng(o.seed ^ hashString(seedSalt));
  const rs = new Float64Array(o.resamples);
  const ba: number[] = new Array<number>(baseline.length);
  const ca: number[] = new Array<number>(candidate.length);
  let n = 0;
  for (let i = 0; i < o.resamples; i++) {
    const mb = resampleMedian(baseline, rnd, ba);
    const mc = resampleMedian(candidate, rnd, ca);
    const r = mc / mb;
    if (Number.isFinite(r)) rs[n++] = r;
  }
  return { ratio, ...percentileInterval(rs.subarray(0, n).sort(), o.confidence) };
}

function percentileInterval(sorted: Float64Array, confidence: number): { low: number; high: number } {
  const tail = (1 - confidence) / 2;
  return { low: quantile(sorted, tail), high: quantile(sorted, 1 - tail) };
}

/**
 * For paired measurements (one ratio per round, each from windows run back to back): the median of
 * the ratios and a percentile bootstrap interval of that median, resampling rounds.
 */
export function bootstrapMedianCI(ratios: readonly number[], o: StatsOptions, seedSalt = ''): RatioCI {
  const ratio = median(ratios);
  if (ratios.length < 2 || !Number.isFinite(ratio)) return { ratio, low: NaN, high: NaN };
  const rnd = prng(o.seed ^ hashString(seedSalt));
  const rs = new Float64Array(o.resamples);
  const buf: number[] = new Array<number>(ratios.length);
  for (let i = 0; i < o.resamples; i++) rs[i] = resampleMedian(ratios, rnd, buf);
  return { ratio, ...percentileInterval(rs.sort(), o.confidence) };
}

/**
 * `lowerIsBetter` for latency. The interval must clear the threshold band [1-t, 1+t] entirely.
 */
export function classify(ci: RatioCI, lowerIsBetter: boolean, threshold: number): Classification {
  if (!Number.isFinite(ci.low) || !Number.isFinite(ci.high)) return 'insufficient repeats';
  const up = ci.low > 1 + threshold;
  const down = ci.high < 1 - threshold;
  if (up) return lowerIsBetter ? 'slower' : 'faster';
  if (down) return lowerIsBetter ? 'faster' : 'slower';
  return 'no significant change';
}
