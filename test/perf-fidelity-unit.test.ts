// The fidelity figure's arithmetic (sandwiched rounds, A/A control, bootstrap interval) and the fio
// runner it relies on. No timing is asserted: the figure itself comes from `fusebench perf fidelity`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fidelityGoals, summarizeFidelity, type FidelityRound } from '../bench/perf/fidelity.js';
import { runFio } from '../bench/perf/fio.js';
import { testTmpDir } from './helpers/mount.js';
import { requireTool } from './helpers/tools.js';

/**
 * Rounds whose conditions differ from round to round by `level` and drift inside a round by `drift`
 * per window: fio, then ours at `trueRatio` × fio's latency, then fio again.
 */
function rounds(trueRatio: number, drift: number, level: (r: number) => number, n = 21): FidelityRound[] {
  return Array.from({ length: n }, (_, r) => {
    const c = level(r);
    return {
      fioBefore: { p50Ns: 30_000 * c, iops: 20_000 / c },
      ours: { p50Ns: 30_000 * c * drift * trueRatio, iops: (20_000 / (c * drift)) / trueRatio },
      fioAfter: { p50Ns: 30_000 * c * drift * drift, iops: 20_000 / (c * drift * drift) },
    };
  });
}

test('drift inside a round cancels against the two neighbours; the A/A control shows it', () => {
  const s = summarizeFidelity(rounds(1.1, 1.2, (r) => 1 + (r % 5) * 0.3), 'drift');
  assert.ok(Math.abs(s.p50.ratio - 1.1) < 1e-9, `p50 ratio ${s.p50.ratio}`);
  assert.ok(Math.abs(s.iops.ratio - 1 / 1.1) < 1e-9, `iops ratio ${s.iops.ratio}`);
  // The second fio window is 1.44× the first: what the round's drift did to fio itself.
  assert.ok(Math.abs(s.fioSelfP50.ratio - 1.44) < 1e-9, `A/A ${s.fioSelfP50.ratio}`);
  // Identical ratios in every round: nothing to resample, the interval is the point.
  assert.ok(s.p50.low <= s.p50.ratio && s.p50.high >= s.p50.ratio);
  assert.ok(s.p50.high - s.p50.low < 1e-9);
});

test('the interval widens with round-to-round scatter and is reproducible', () => {
  const noisy = (): FidelityRound[] =>
    rounds(1, 1, () => 1).map((r, i) => ({ ...r, ours: { ...r.ours, p50Ns: r.ours.p50Ns * (1 + (((i * 7) % 11) - 5) / 50) } }));
  const a = summarizeFidelity(noisy(), 'x');
  const b = summarizeFidelity(noisy(), 'x');
  assert.ok(a.p50.high - a.p50.low > 0.02, `interval ${a.p50.low}–${a.p50.high}`);
  assert.ok(a.p50.low <= a.p50.ratio && a.p50.ratio <= a.p50.high);
  assert.deepEqual(a.p50, b.p50, 'seeded: the same rounds give the same interval');
});

test('goals: p50 within 5 % either way, IOPS at least 0.95×', () => {
  const row = (ratio: number) => {
    const rs = rounds(ratio, 1, () => 1);
    return { mode: 'parallel' as const, jobs: 1, rounds: rs, summary: summarizeFidelity(rs, 'g') };
  };
  const pass = (ratio: number): boolean[] => fidelityGoals(row(ratio)).map((g) => g.pass);
  assert.deepEqual(pass(1.04), [true, true]); // IOPS 1/1.04 = 0.96×
  assert.deepEqual(pass(0.96), [true, true]);
  assert.deepEqual(pass(1.06), [false, false]); // IOPS 0.943×
  assert.deepEqual(pass(0.94), [true, false]);
  const [, p50] = fidelityGoals(row(1.04));
  assert.match(p50!.shown ?? '', /^1\.040 \[1\.040, 1\.040\] \(goal within 5 %; fio against itself 1\.000/);
});

test('one round gives a ratio without an interval, not NaN', () => {
  const rs = rounds(1.02, 1, () => 1, 1);
  const [iops, p50] = fidelityGoals({ mode: 'direct', jobs: 1, rounds: rs, summary: summarizeFidelity(rs, 'one') });
  assert.match(p50!.shown ?? '', /^1\.020 \[no interval\] \(goal within 5 %/);
  assert.doesNotMatch(`${iops!.shown} ${p50!.shown}`, /NaN/);
});

test('fio runs time-based for a fractional window', { timeout: 60_000 }, (t) => {
  if (!requireTool('fio')) return t.skip('fio missing');
  const dir = testTmpDir('fio-runtime');
  try {
    const file = join(dir, 'f.dat');
    writeFileSync(file, Buffer.alloc(1 << 20, 1));
    // A bare "--runtime=0.2" is 0 s to fio: it writes the 1 MiB once (milliseconds) and stops.
    const r = runFio({ filename: file, rw: 'randwrite', bs: 4096, direct: false, numjobs: 2, runtimeSec: 0.2, size: 1 << 20, thread: true });
    assert.ok(r.runtimeMs >= 150 && r.runtimeMs <= 400, `fio ran ${r.runtimeMs} ms for a 200 ms window`);
    assert.ok(r.iops > 0 && r.clatP50Ns > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
