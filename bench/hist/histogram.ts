// HDR histograms: one per operation per job, merged exactly (never averaged percentiles).
import hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { OpStats } from '../results/schema.js';

/** 1 ns … 1 h at 3 significant digits; autoResize keeps outliers rather than clamping them. */
export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
    useWebAssembly: false,
  });
}

export function recordAll(h: Histogram, valuesNs: ArrayLike<number>): void {
  for (let i = 0; i < valuesNs.length; i++) {
    // A zero reading (clock granularity) would be below the lowest discernible value.
    h.recordValue(Math.max(1, Math.round(valuesNs[i]!)));
  }
}

export function encode(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decode(b64: string): Histogram {
  return hdr.decodeFromCompressedBase64(b64, 64, false);
}

/** Exact merge of encoded histograms (bucket counts added). */
export function mergeEncoded(encoded: string[]): Histogram {
  const total = newHistogram();
  for (const e of encoded) {
    const h = decode(e);
    total.add(h);
    h.destroy();
  }
  return total;
}

export interface SummaryInput {
  histogram: Histogram;
  /** Wall time of the timed phase, ns. */
  durationNs: number;
  bytesPerOp: number;
}

export function summarize({ histogram: h, durationNs, bytesPerOp }: SummaryInput): OpStats {
  const count = h.totalCount;
  const secs = durationNs / 1e9;
  const pct = (p: number): number => (count === 0 ? 0 : h.getValueAtPercentile(p));
  return {
    count,
    p50Ns: pct(50),
    p90Ns: pct(90),
    p99Ns: pct(99),
    p999Ns: pct(99.9),
    maxNs: count === 0 ? 0 : h.maxValue,
    meanNs: count === 0 ? 0 : h.mean,
    opsPerSec: secs > 0 ? count / secs : 0,
    bytesPerSec: secs > 0 ? (count * bytesPerOp) / secs : 0,
    histogram: encode(h),
  };
}

/** The `.hgrm` text (HdrHistogram percentile distribution), values in microseconds. */
export function toHgrm(h: Histogram, title: string): string {
  const body = h.outputPercentileDistribution(5, 1000);
  return `# ${title.replace(/\n/g, ' ')}\n# values in microseconds\n${body}`;
}
