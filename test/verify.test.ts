// `fusebench verify` against real mounts: a short fixed-seed run passes in every mode (or is
// unsupported with the kernel's reason), the mode rules skip what they rule out, INIT options run,
// the fuse-native kind skips what libfuse 2 lacks, and a server that corrupts one READ reply is caught
// at the byte it corrupted, with exit 1 and a replay command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MODES, parseModeSpec } from '../bench/modes.js';
import { packageRoot, serverBinary } from '../bench/paths.js';
import { fuseNativeCheck } from '../bench/server/fuse-native/support.js';
import { runVerify } from '../bench/verify/run.js';
import type { ModeRun, VerifyReport } from '../bench/verify/types.js';
import { assertNoMountsLeft, isRoot } from './helpers/mount.js';

const skip = !isRoot() && 'needs root';
const OPS = 1500;
const SEED = 20261205;
const MAPPED = ['read/mapped', 'write/mapped'];

async function verifyOne(mode: string, o: { server?: 'c' | 'fuse-native'; ops?: number; asan?: boolean } = {}): Promise<ModeRun> {
  const rep = await runVerify({ specs: [parseModeSpec(mode)], servers: [o.server ?? 'c'], ops: o.ops ?? OPS, seed: SEED, ...(o.asan ? { asan: true } : {}) });
  assert.equal(rep.runs.length, 1);
  return rep.runs[0]!;
}

function assertPassed(r: ModeRun): void {
  assert.equal(r.failure, null, r.failure ? `${r.mode}: ${r.failure.message} during ${r.failure.during}; replay: ${r.failure.replay}` : '');
  assert.equal(r.status, 'pass', `${r.server} ${r.mode}: ${r.reason ?? ''}`);
  assert.equal(r.drawn, OPS);
  assert.equal(r.executed + r.skipped, OPS);
  assert.ok(r.readsChecked > 100, `only ${r.readsChecked} reads checked`);
  assert.deepEqual(r.serverExit && { reason: r.serverExit.reason, code: r.serverExit.code }, { reason: 'signal', code: 0 });
}

for (const mode of MODES) {
  test(`verify passes in ${mode}`, { skip, timeout: 120_000 }, async () => {
    const r = await verifyOne(mode);
    if (r.status === 'unsupported') {
      // Only passthrough can be missing, and the reason comes from this mount's INIT / BACKING_OPEN.
      assert.match(mode, /passthrough/);
      assert.match(r.reason ?? '', /passthrough|PASSTHROUGH/);
      process.stdout.write(`SKIP: ${mode}: ${r.reason ?? ''}\n`);
      return;
    }
    assertPassed(r);
    const mappedSkipped = MAPPED.every((c) => (r.classes[c]?.skipped ?? 0) > 0 && (r.classes[c]?.run ?? 0) === 0);
    const directIoWithoutMmap = (mode === 'direct' || mode === 'parallel') && !(r.negotiated ?? []).includes('DIRECT_IO_ALLOW_MMAP');
    assert.equal(mappedSkipped, directIoWithoutMmap, `MAP_SHARED skipped in ${mode}: ${JSON.stringify(MAPPED.map((c) => r.classes[c]))}`);
    if (directIoWithoutMmap) assert.match(r.classes['read/mapped']!.reason ?? '', /ENODEV/);
    // Nothing else is ruled out on the C server, except a fallocate mode this kernel or backing
    // filesystem answers EOPNOTSUPP.
    for (const [cls, c] of Object.entries(r.classes)) {
      if (MAPPED.includes(cls) || c.skipped === 0) continue;
      assert.ok(cls.startsWith('falloc/') && /EOPNOTSUPP/.test(c.reason ?? ''), `${cls} skipped in ${mode}: ${c.reason ?? ''}`);
    }
    for (const cls of ['copy', 'concurrent/direct', 'concurrent/buffered', 'write/direct', 'read/direct', 'truncate']) {
      assert.ok((r.classes[cls]?.run ?? 0) > 0, `${cls} never ran in ${mode}`);
    }
  });
}

test('verify passes with INIT options: MAP_SHARED runs in direct+allow-mmap, writeback and async-dio', { skip, timeout: 120_000 }, async () => {
  const mmap = await verifyOne('direct+allow-mmap');
  if (mmap.status === 'unsupported') {
    process.stdout.write(`SKIP: direct+allow-mmap: ${mmap.reason ?? ''}\n`);
  } else {
    assertPassed(mmap);
    for (const c of MAPPED) assert.ok((mmap.classes[c]?.run ?? 0) > 0 && mmap.classes[c]!.skipped === 0, `${c} in direct+allow-mmap`);
  }
  for (const mode of ['cached+writeback', 'parallel+async-dio']) {
    const r = await verifyOne(mode);
    if (r.status === 'unsupported') process.stdout.write(`SKIP: ${mode}: ${r.reason ?? ''}\n`);
    else assertPassed(r);
  }
});

test('verify on the fuse-native server kind skips what libfuse 2 lacks', { skip, timeout: 120_000 }, async (t) => {
  const check = fuseNativeCheck();
  if (!check.ok) {
    if (process.env['FUSEBENCH_REQUIRE_TOOLS'] === '1') throw new Error(`required tool missing: fuse-native server kind unavailable: ${check.reason ?? ''}`);
    t.skip(`fuse-native unavailable: ${check.reason ?? ''}`);
    return;
  }
  for (const mode of ['cached', 'direct']) {
    const r = await verifyOne(mode, { server: 'fuse-native' });
    assertPassed(r);
    assert.match(r.classes['copy']?.reason ?? '', /no copy_file_range handler/);
    assert.equal(r.classes['copy']?.run ?? 0, 0);
    assert.match(r.classes['falloc/punch-hole']?.reason ?? '', /EOPNOTSUPP/);
  }
  const p = await verifyOne('parallel', { server: 'fuse-native' });
  assert.equal(p.status, 'unsupported');
});

test('a server that corrupts one READ reply fails verify (exit 1) at the byte it changed', { skip, timeout: 120_000 }, () => {
  // direct: every read goes to the server as a READ of the same range, no page cache in between.
  const cli = join(packageRoot(), 'dist', 'bench', 'cli', 'main.js');
  const args = [cli, 'verify', '--modes', 'direct', '--seed', '3', '--ops', '400', '--corrupt-read', '5', '--json'];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, `exit ${String(r.status)}: ${r.stderr}`);
  const rep = JSON.parse(r.stdout) as VerifyReport;
  assert.equal(rep.passed, false);
  const f = rep.runs[0]!.failure!;
  assert.ok(f, 'no failure reported');
  const corrupted = f.serverCorruption as { done: boolean; offset: number } | null;
  assert.equal(corrupted?.done, true, 'the server did not corrupt anything');
  assert.equal(f.firstBadOffset, corrupted.offset);
  assert.equal(f.badBytes, 1);
  assert.notEqual(f.expected?.slice(0, 2), f.got?.slice(0, 2));
  assert.ok(f.log.length >= 20 || f.log.length === (f.opIndex ?? 0) + 1, `log too short: ${f.log.length}`);
  assert.equal(f.replay, `fusebench verify --modes direct --seed 3 --ops ${(f.opIndex ?? 0) + 1} --corrupt-read 5`);
  // The human form on stderr has the same facts.
  assert.match(r.stderr, new RegExp(`first bad offset: 0x${corrupted.offset.toString(16)} `));
  assert.match(r.stderr, /replay: fusebench verify --modes direct --seed 3/);
  // Without the switch the same sequence passes: the failure was the server's, not the exerciser's.
  const clean = spawnSync(process.execPath, args.filter((a, i) => a !== '--corrupt-read' && args[i - 1] !== '--corrupt-read'), { encoding: 'utf8', timeout: 60_000 });
  assert.equal(clean.status, 0, clean.stderr);
});

test('verify against the C server under AddressSanitizer', { skip, timeout: 300_000 }, async (t) => {
  if (!existsSync(serverBinary(true))) {
    const b = spawnSync('bash', [join(packageRoot(), 'native', 'build-asan.sh')], { encoding: 'utf8' });
    if (b.status !== 0) {
      t.skip(`ASan build failed: ${b.stderr.slice(-300)}`);
      return;
    }
  }
  // An ASan report aborts the server (the run fails with ENOTCONN) or makes it exit non-zero (a leak).
  for (const mode of ['passthrough-direct', 'direct+allow-mmap']) {
    const r = await verifyOne(mode, { asan: true });
    if (r.status === 'unsupported') process.stdout.write(`SKIP: ${mode} under ASan: ${r.reason ?? ''}\n`);
    else assertPassed(r);
  }
});

test('no mount left behind', () => {
  assertNoMountsLeft();
});
