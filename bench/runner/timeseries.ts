// Per-interval view of a window: the server's in-flight samples and the client's ops bucketed on the
// same boundaries (CLOCK_MONOTONIC of the moment each server sample was taken).
import type { TimePoint } from '../results/schema.js';
import type { JobOutcome } from './jobs.js';

export interface ServerSample {
  /** CLOCK_MONOTONIC ns at which the window sample was answered. */
  atNs: number;
  writesInFlightMax: number;
  writesInFlightMean: number;
}

export interface PhaseMark {
  name: string;
  atNs: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

export function buildTimeSeries(
  outcomes: JobOutcome[],
  samples: ServerSample[],
  phases: PhaseMark[],
  startNs: number,
): TimePoint[] {
  // Every op of every job as (start, latency) pairs.
  const starts: number[] = [];
  const lats: number[] = [];
  for (const { result, floats } of outcomes) {
    for (const p of result.phases) {
      if (!p.series) continue;
      for (let i = 0; i < p.series.length; i++) {
        starts.push(floats[p.series.startsAt + i]!);
        lats.push(floats[p.series.latsAt + i]!);
      }
    }
  }
  const order = starts.map((_, i) => i).sort((a, b) => starts[a]! - starts[b]!);
  const points: TimePoint[] = [];
  let k = 0;
  let prev = startNs;
  for (const s of samples) {
    const bucket: number[] = [];
    while (k < order.length && starts[order[k]!]! < s.atNs) {
      if (starts[order[k]!]! >= prev) bucket.push(lats[order[k]!]!);
      k++;
    }
    const sorted = Float64Array.from(bucket).sort();
    const dt = (s.atNs - prev) / 1e9;
    let phase = phases[0]?.name ?? '';
    for (const m of phases) if (m.atNs <= prev) phase = m.name;
    points.push({
      tMs: (prev - startNs) / 1e6,
      phase,
      writesInFlightMax: s.writesInFlightMax,
      writesInFlightMean: s.writesInFlightMean,
      opsPerSec: dt > 0 ? bucket.length / dt : 0,
      p50Ns: percentile(sorted, 50),
      p99Ns: percentile(sorted, 99),
    });
    prev = s.atNs;
  }
  return points;
}
