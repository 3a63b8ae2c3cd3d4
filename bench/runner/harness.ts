// What the harness itself costs per timed operation, measured with tinybench and stored with the
// results, so a reader can judge the floor under every latency we report.
import { Bench } from 'tinybench';
import { closeSync, openSync } from 'node:fs';
import { ioLoop, monotonicNs } from '../native/io.js';
import { newHistogram } from '../hist/histogram.js';
import type { Results } from '../results/schema.js';

type Harness = NonNullable<Results['harness']>;

const LOOP_OPS = 1000;

export async function measureHarness(timeMs = 300): Promise<Harness> {
  const h = newHistogram();
  const zero = openSync('/dev/zero', 'r');
  let v = 1;
  try {
    const bench = new Bench({ time: timeMs, warmup: true, warmupTime: 50 });
    bench
      .add('addon monotonicNs() call (N-API crossing + clock_gettime)', () => {
        monotonicNs();
      })
      .add('hdr-histogram-js recordValue', () => {
        h.recordValue((v = (v * 1103515245 + 12345) % 1_000_000) + 1);
      })
      .add(`C timed loop, 1-byte pread of /dev/zero (per op, ${LOOP_OPS} ops per sample)`, () => {
        ioLoop({ fd: zero, op: 'pread', blockSize: 1, pattern: 'sequential', offset: 0, range: 1, maxOps: LOOP_OPS, deadlineNs: 0, seed: 1 });
      });
    await bench.run();
    return {
      tasks: bench.tasks.map((t) => {
        const r = t.result as unknown as { latency?: { mean: number; p50?: number; p99?: number; sd: number; rme: number; samplesCount?: number; samples?: number[] } } | undefined;
        const lat = r?.latency;
        // tinybench reports milliseconds; the loop task is per LOOP_OPS operations.
        const scale = t.name.startsWith('C timed loop') ? 1e6 / LOOP_OPS : 1e6;
        return {
          name: t.name,
          meanNs: (lat?.mean ?? 0) * scale,
          p50Ns: (lat?.p50 ?? 0) * scale,
          p99Ns: (lat?.p99 ?? 0) * scale,
          sdNs: (lat?.sd ?? 0) * scale,
          rme: lat?.rme ?? 0,
          samples: lat?.samplesCount ?? lat?.samples?.length ?? 0,
        };
      }),
    };
  } finally {
    closeSync(zero);
    h.destroy();
  }
}
