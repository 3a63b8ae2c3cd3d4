// The conformance probes on this kernel: every probe passes or is unsupported with a reason; a
// deliberately wrong expectation is reported as `fail`; a probe that throws is a `fail` row, not a
// crash; nothing stays mounted. Verdicts come from counts and errnos, so nothing here is timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../bench/paths.js';
import { inFlightProbe, PROBE_IDS, PROBES, runProbeSuite, UnknownProbeError, type ProbeDef } from '../bench/probes/index.js';
import { appendExclusiveSpec } from '../bench/probes/append-exclusive.js';
import { parallelSharedSpec } from '../bench/probes/parallel-shared.js';
import { formatProbeTable, summaryLine } from '../bench/probes/table.js';
import { fusebenchMounts, isMounted } from '../bench/server/mounts.js';
import { ProbeSchema, type Probe } from '../bench/results/schema.js';
import { tmpdir } from 'node:os';
import { isRoot } from './helpers/mount.js';
import { expectedVerdict, kernelOffer } from './helpers/kernel.js';

const skip = !isRoot() && 'needs root';

/**
 * Mounts made by probes of one process (below tmpdir()/fusebench-probe-<pid>-*). Only that process's:
 * other test processes may have their own probe mounts live at the same time.
 */
function assertNoProbeMountsLeft(pid = process.pid): void {
  const prefix = join(tmpdir(), `fusebench-probe-${pid}-`);
  assert.deepEqual(fusebenchMounts(prefix).map((m) => m.target), [], 'probe mounts left behind');
}

function explain(probes: Probe[]): string {
  return probes
    .filter((p) => p.verdict === 'fail' || (p.verdict === 'unsupported' && !p.reason))
    .map((p) => `${p.id}: ${p.verdict}\n  expected: ${p.expected}\n  observed: ${p.observed}`)
    .join('\n');
}

test('every probe passes, or is unsupported with a reason', { skip }, async () => {
  const suite = await runProbeSuite({ log: (s) => process.stderr.write(`# ${s}\n`) });
  assert.notEqual(suite.offer, null, `no server could be mounted: ${suite.offerError}`);
  assert.deepEqual(suite.probes.map((p) => p.id), [...PROBE_IDS]);
  for (const p of suite.probes) ProbeSchema.parse(p);
  process.stdout.write(formatProbeTable(suite.probes) + '\n' + summaryLine(suite.probes, suite.durationMs) + '\n');
  const bad = suite.probes.filter((p) => p.verdict === 'fail' || (p.verdict === 'unsupported' && !p.reason));
  assert.equal(bad.length, 0, `probes failed:\n${explain(suite.probes)}`);
  // Not a timing assertion: the core probes must really have run and passed wherever the kernel's INIT
  // offer lets them run (the probe's own `unsupported` rule decides, from the offer, never the release).
  for (const id of ['parallel-shared', 'extend-exclusive', 'append-exclusive', 'caching-open-fallback']) {
    const want = expectedVerdict(PROBES.find((d) => d.id === id)!, suite.offer!);
    const got = suite.probes.find((p) => p.id === id);
    assert.equal(got?.verdict, want.verdict, `${id}: ${got?.observed ?? 'missing'}`);
    if (want.reason !== null) assert.equal(got?.reason, want.reason);
  }
  assertNoProbeMountsLeft();
});

test('asking for the shared path with O_APPEND is reported as fail, with what was seen', { skip }, async () => {
  const broken = inFlightProbe({ ...appendExclusiveSpec, expect: 'shared' });
  const { probes } = await runProbeSuite({ probes: [broken] });
  assert.equal(probes.length, 1);
  const p = probes[0]!;
  assert.equal(p.verdict, 'fail', `expected fail, got ${p.verdict}: ${p.observed}`);
  assert.match(p.expected, /shared/);
  assert.match(p.observed, /^exclusive: max 1 in flight/);
  assertNoProbeMountsLeft();
});

test('asking for the exclusive path of parallel writes inside i_size is reported as fail', { skip }, async () => {
  const broken = inFlightProbe({ ...parallelSharedSpec, expect: 'exclusive' });
  const { probes } = await runProbeSuite({ probes: [broken] });
  assert.equal(probes[0]!.verdict, 'fail', probes[0]!.observed);
  assert.match(probes[0]!.observed, /^shared: max [2-9]\d* in flight/);
});

test('a probe that throws is a fail row with the error, and its mount is gone', { skip }, async () => {
  let mnt = '';
  const throwing: ProbeDef = {
    id: 'throws',
    rule: 'test: a probe that throws after mounting',
    changedIn: null,
    async run(ctx) {
      const m = await ctx.mount({ mode: 'direct', prepare: (b) => writeFileSync(join(b, 'f'), 'x') });
      mnt = m.mnt;
      assert.equal(isMounted(mnt), true);
      throw new Error('deliberate failure');
    },
  };
  const { probes } = await runProbeSuite({ probes: [throwing] });
  assert.equal(probes[0]!.verdict, 'fail');
  assert.match(probes[0]!.observed, /deliberate failure/);
  assert.equal(isMounted(mnt), false);
  assert.equal(existsSync(mnt), false, 'temporary directory removed');
});

test('a probe the kernel cannot run is unsupported with its reason', { skip }, async () => {
  const never: ProbeDef = {
    id: 'never',
    rule: 'test: needs an INIT flag no kernel offers',
    changedIn: null,
    unsupported: (offer) => (offer.init.offered.includes('NO_SUCH_FLAG') ? null : 'kernel does not offer NO_SUCH_FLAG'),
    run: () => Promise.reject(new Error('must not run')),
  };
  const { probes } = await runProbeSuite({ probes: [never] });
  assert.equal(probes[0]!.verdict, 'unsupported');
  assert.equal(probes[0]!.reason, 'kernel does not offer NO_SUCH_FLAG');
});

test('unknown probe ids are refused before anything is mounted', async () => {
  await assert.rejects(runProbeSuite({ only: ['no-such-probe'] }), UnknownProbeError);
});

test('fusebench probe --only … --json prints { host, fuse, probes } and exits 0', { skip }, async () => {
  const offer = await kernelOffer();
  const want = new Map(['parallel-shared', 'mmap-enodev'].map((id) => [id, expectedVerdict(PROBES.find((d) => d.id === id)!, offer).verdict]));
  const main = join(packageRoot(), 'dist', 'bench', 'cli', 'main.js');
  const r = spawnSync(process.execPath, [main, 'probe', '--only', 'parallel-shared,mmap-enodev', '--json'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assertNoProbeMountsLeft(r.pid);
  const doc = JSON.parse(r.stdout) as { host: { kernelRelease: string }; fuse: { initOffered: string[] }; probes: Probe[] };
  assert.ok(doc.host.kernelRelease);
  assert.ok(doc.fuse.initOffered.length > 0);
  assert.deepEqual(doc.probes.map((p) => p.id), ['parallel-shared', 'mmap-enodev']);
  for (const p of doc.probes) assert.equal(p.verdict, want.get(p.id), JSON.stringify(p, null, 2));
  const bad = spawnSync(process.execPath, [main, 'probe', '--only', 'nope'], { encoding: 'utf8' });
  assert.equal(bad.status, 2, bad.stderr);
});

test('the table wraps long cells and shows the reason of unsupported rows', () => {
  const rows: Probe[] = [
    { id: 'a-probe', rule: 'r '.repeat(80), expected: 'e', observed: 'o '.repeat(200), verdict: 'pass', changedIn: '6.9', reason: null },
    { id: 'b', rule: 'r', expected: '-', observed: '-', verdict: 'unsupported', changedIn: null, reason: 'kernel does not offer X' },
  ];
  const t = formatProbeTable(rows, 120);
  for (const line of t.split('\n')) assert.ok(line.length <= 120, `line too long: ${line}`);
  assert.match(t, /not run: kernel does not offer X/);
  assert.match(summaryLine(rows, 1500), /2 probes: 1 pass, 0 fail, 1 unsupported \(1\.5 s\)/);
});

test('nothing left in /proc/mounts', () => {
  assertNoProbeMountsLeft();
});
