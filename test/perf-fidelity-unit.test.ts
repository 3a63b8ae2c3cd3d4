// The fidelity figure's arithmetic (the chain of sandwiched windows, A/A control, bootstrap interval)
// and the two programs it runs beside ours: fio, and our loop as a plain C program. No timing is asserted: the figure itself comes from `fusebench perf fidelity`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fidelityGoals, formatFidelity, summarizeFidelity, type FidelityRound, type FidelityRow, type FidelityWindow } from '../bench/perf/fidelity.js';
import { runBareLoop } from '../bench/perf/bare-loop.js';
import { runFio } from '../bench/perf/fio.js';
import { assertNoMountsLeft, isRoot, testTmpDir, withMount } from './helpers/mount.js';
import { requireTool } from './helpers/tools.js';

/**
 * A chain fio, ours, fio, loop, fio, ... whose conditions drift by `drift` per window (latency up,
 * IOPS down), with ours at `oursRatio` and the loop at `loopRatio` × fio's latency. fio spends 700 ns
 * per op outside its timed call, ours 100 ns, the loop 50 ns. `noise(i)` scales the i-th window of ours.
 */
function chain(oursRatio: number, loopRatio: number, drift: number, n = 21, noise: (i: number) => number = () => 1): { ours: FidelityRound[]; loop: FidelityRound[] } {
  const at = (t: number, ratio: number, outsideNs: number, jitter = 1): FidelityWindow => {
    const p50Ns = 30_000 * drift ** t * ratio * jitter;
    const iops = 20_000 / (drift ** t * ratio * jitter);
    return { p50Ns, iops, meanNs: 1e9 / iops - outsideNs };
  };
  const fio = (t: number): FidelityWindow => at(t, 1, 700);
  const ours: FidelityRound[] = [];
  const loop: FidelityRound[] = [];
  for (let i = 0; i < n; i++) {
    const t = 4 * i;
    ours.push({ fioBefore: fio(t), window: at(t + 1, oursRatio, 100, noise(i)), fioAfter: fio(t + 2) });
    loop.push({ fioBefore: fio(t + 2), window: at(t + 3, loopRatio, 50), fioAfter: fio(t + 4) });
  }
  return { ours, loop };
}

const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a}, expected ${b}`);

test('drift cancels against the two neighbours; the A/A control shows it', () => {
  const c = chain(1.1, 0.9, 1.05);
  const s = summarizeFidelity(c.ours, c.loop, 1, 'drift');
  near(s.ours.p50.ratio, 1.1, 'ours p50');
  near(s.ours.iops.ratio, 1 / 1.1, 'ours iops');
  near(s.loop.p50.ratio, 0.9, 'loop p50');
  // Two windows apart, fio drifted by 1.05²: what the machine did to fio itself.
  near(s.fioSelfP50.ratio, 1.05 ** 2, 'A/A p50');
  near(s.fioSelfIops.ratio, 1.05 ** -2, 'A/A iops');
  // Identical ratios in every round: nothing to resample, the interval is the point.
  assert.ok(s.ours.p50.high - s.ours.p50.low < 1e-9);
});

test('time outside the timed call: jobs / IOPS − mean latency, per tool', () => {
  const c = chain(1, 1, 1);
  const one = summarizeFidelity(c.ours, c.loop, 1, 'out');
  near(one.fio.outsideNs, 700, 'fio');
  near(one.ours.outsideNs, 100, 'ours');
  near(one.loop.outsideNs, 50, 'loop');
  // The same IOPS shared by 4 jobs: each job's op takes 4× as long end to end.
  const four = summarizeFidelity(c.ours, c.loop, 4, 'out');
  near(four.fio.outsideNs, 3 * (1e9 / 20_000) + 700, 'fio, 4 jobs');
});

test('the interval widens with round-to-round scatter and is reproducible', () => {
  const noisy = (): { ours: FidelityRound[]; loop: FidelityRound[] } => chain(1, 1, 1, 21, (i) => 1 + (((i * 7) % 11) - 5) / 50);
  const a = noisy();
  const sa = summarizeFidelity(a.ours, a.loop, 1, 'x');
  const b = noisy();
  const sb = summarizeFidelity(b.ours, b.loop, 1, 'x');
  assert.ok(sa.ours.p50.high - sa.ours.p50.low > 0.02, `interval ${sa.ours.p50.low}–${sa.ours.p50.high}`);
  assert.ok(sa.ours.p50.low <= sa.ours.p50.ratio && sa.ours.p50.ratio <= sa.ours.p50.high);
  assert.deepEqual(sa.ours.p50, sb.ours.p50, 'seeded: the same rounds give the same interval');
  // The loop's windows had no scatter: its interval stays a point.
  assert.ok(sa.loop.p50.high - sa.loop.p50.low < 1e-9);
});

function row(oursRatio: number, n = 21): FidelityRow {
  const c = chain(oursRatio, 1, 1, n);
  return { mode: 'parallel', jobs: 1, ...c, summary: summarizeFidelity(c.ours, c.loop, 1, 'g') };
}

test('goals: our p50 within 5 % either way, our IOPS at least 0.95×; the loop is shown, not judged', () => {
  const pass = (ratio: number): boolean[] => fidelityGoals(row(ratio)).map((g) => g.pass);
  assert.deepEqual(pass(1.04), [true, true]); // IOPS 1/1.04 = 0.96×
  assert.deepEqual(pass(0.96), [true, true]);
  assert.deepEqual(pass(1.06), [false, false]); // IOPS 0.943×
  assert.deepEqual(pass(0.94), [true, false]);
  const [, p50] = fidelityGoals(row(1.04));
  assert.match(p50!.shown ?? '', /^1\.040 \[1\.040, 1\.040\] \(goal within 5 %; our loop in plain C 1\.000 \[1\.000, 1\.000\]; fio against itself 1\.000/);
});

test('one round gives a ratio without an interval, not NaN', () => {
  const [iops, p50] = fidelityGoals(row(1.02, 1));
  assert.match(p50!.shown ?? '', /^1\.020 \[no interval\] \(goal within 5 %/);
  assert.doesNotMatch(`${iops!.shown} ${p50!.shown}`, /NaN/);
});

test('the table shows every row and the time outside the call', () => {
  const text = formatFidelity([row(1.02), { ...row(0.97), mode: 'direct', jobs: 4 }], 0.3, 21);
  assert.match(text, /^parallel\s+1\s.*1\.020 \[/m);
  assert.match(text, /^direct\s+4\s/m);
  assert.match(text, /0\.70 \/ 0\.10 \/ 0\.05/);
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

test('fusebench-loop writes on a real mount from parallel threads and times the syscall', { timeout: 60_000 }, async (t) => {
  if (!isRoot()) return t.skip('needs root to mount');
  await withMount({ mode: 'parallel', delay: 'write=2ms' }, async ({ server, mnt, backing }) => {
    writeFileSync(join(backing, 'f.dat'), Buffer.alloc(1 << 20));
    await server.reset();
    const r = runBareLoop(join(mnt, 'f.dat'), 2, 0, 0.1, 5);
    const s = await server.stats();
    assert.ok(r.ops > 0, `ops ${r.ops}`);
    // Every timed write went to the server, and both threads were in it at once.
    assert.ok((s.ops['WRITE']?.count ?? 0) >= r.ops, `server saw ${s.ops['WRITE']?.count} WRITEs for ${r.ops} timed`);
    assert.equal(s.ops['WRITE']?.maxInFlightPerInode, 2);
    // The server holds each WRITE 2 ms: a timed call cannot be shorter.
    assert.ok(r.p50Ns >= 2e6 && r.meanNs >= 2e6, `p50 ${r.p50Ns} ns, mean ${r.meanNs} ns`);
    assert.throws(() => runBareLoop(join(mnt, 'missing.dat'), 1, 0, 0.05, 1), /fusebench-loop failed \(1\): fusebench-loop: open .*missing\.dat: No such file/);
  });
  assertNoMountsLeft();
});
