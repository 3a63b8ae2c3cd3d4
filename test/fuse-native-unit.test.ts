// The fuse-native server's pieces that need no mount: path confinement, delay specs, arguments,
// in-flight counting, /proc parsing, open-flag mapping, the runner's refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants as C } from 'node:fs';
import { buildArgs, parseArgs } from '../bench/server/fuse-native/args.js';
import { confine, EscapeError } from '../bench/server/fuse-native/confine.js';
import { hold, parseDelays } from '../bench/server/fuse-native/delay.js';
import { backingOpenFlags } from '../bench/server/fuse-native/passthrough.js';
import { connectionOf } from '../bench/server/fuse-native/procinfo.js';
import { ServerCounters } from '../bench/server/fuse-native/stats.js';
import type { Piscina } from 'piscina';
import { parseModeSpec } from '../bench/modes.js';
import { runCell } from '../bench/runner/run-cell.js';
import type { ReadyInfo } from '../bench/server/types.js';

test('confine maps mount paths into the backing dir and rejects escapes', () => {
  assert.equal(confine('/b', '/'), '/b');
  assert.equal(confine('/b', '/x/y'), '/b/x/y');
  assert.equal(confine('/b/', '/x/../y'), '/b/y');
  for (const bad of ['/..', '/../etc/passwd', '/x/../../etc', '/a\0b']) {
    assert.throws(() => confine('/b', bad), EscapeError, bad);
  }
  // A sibling directory sharing the prefix is outside too.
  assert.throws(() => confine('/b', '/../bb/x'), EscapeError);
});

test('delay specs use the C server syntax', () => {
  assert.deepEqual(parseDelays('write=200us,read=1ms'), { WRITE: 200_000, READ: 1_000_000 });
  assert.deepEqual(parseDelays('none'), {});
  assert.deepEqual(parseDelays(''), {});
  assert.deepEqual(parseDelays('getattr=1.5s'), { GETATTR: 1_500_000_000 });
  assert.deepEqual(parseDelays('write=200'), { WRITE: 200 }, 'a bare number is ns, as in the C server');
  assert.throws(() => parseDelays('wirte=200us'), /unknown opcode/);
  assert.throws(() => parseDelays('write'));
});

test('hold waits at least the delay without blocking other callbacks', async () => {
  let ticks = 0;
  const iv = setInterval(() => ticks++, 1);
  const t0 = process.hrtime.bigint();
  await hold(5e6);
  clearInterval(iv);
  assert.ok(process.hrtime.bigint() - t0 >= 5_000_000n);
  assert.ok(ticks >= 1, 'timers ran while holding');
});

test('server arguments round-trip', () => {
  const a = { backing: '/b', mountpoint: '/m', mode: 'direct' as const, control: '/s', delay: 'write=1ms', attrTimeout: 0, entryTimeout: 0, autoUnmount: false, dieWithParent: true };
  assert.deepEqual(parseArgs(buildArgs(a)), a);
  assert.throws(() => parseArgs(['--backing', '/b', '--mountpoint', '/m', '--mode', 'parallel']), /cached and direct/);
  assert.throws(() => parseArgs(['--mountpoint', '/m']), /required/);
});

test('counters: per-inode and total in flight, bytes, errors, windows, reset', () => {
  const c = new ServerCounters();
  c.begin('WRITE', '/a');
  c.begin('WRITE', '/a');
  c.begin('WRITE', '/b');
  c.end('WRITE', '/a', 4096, false);
  c.end('WRITE', '/a', 0, true);
  c.end('WRITE', '/b', 4096, false);
  c.begin('READ', '/a');
  let s = c.stats();
  assert.equal(s.ops['WRITE']!.count, 3);
  assert.equal(s.ops['WRITE']!.bytes, 8192);
  assert.equal(s.ops['WRITE']!.errors, 1);
  assert.equal(s.ops['WRITE']!.maxInFlightPerInode, 2);
  assert.equal(s.ops['WRITE']!.maxInFlight, 3);
  assert.equal(s.ops['READ']!.count, 1);
  const w1 = c.window();
  assert.equal(w1.ops['WRITE']!.count, 3);
  // The READ still in flight carries into the next window's maximum.
  const w2 = c.window();
  assert.equal(w2.ops['WRITE'], undefined);
  assert.equal(w2.ops['READ']!.count, 0);
  assert.equal(w2.ops['READ']!.maxInFlightPerInode, 1);
  c.end('READ', '/a', 100, false);
  c.reset();
  s = c.stats();
  assert.deepEqual(Object.keys(s.ops), []);
  c.begin('WRITE', '/a');
  c.end('WRITE', '/a', 1, false);
  s = c.stats();
  assert.equal(s.ops['WRITE']!.count, 1);
  assert.equal(s.ops['WRITE']!.maxInFlightPerInode, 1);
  assert.ok(s.ops['WRITE']!.meanInFlight! >= 0 && s.ops['WRITE']!.meanInFlight! <= 1);
});

test('connection number comes from mountinfo', () => {
  const info = [
    '22 1 0:21 / /proc rw,nosuid - proc proc rw',
    '60 22 0:52 / /tmp/x\\040y/mnt rw,nosuid,nodev - fuse.fusebench fusebench-fuse-native rw,user_id=0',
    '61 22 259:3 / /tmp/disk rw - ext4 /dev/nvme0n1p3 rw',
  ].join('\n');
  assert.equal(connectionOf('/tmp/x y/mnt', info), 52);
  assert.equal(connectionOf('/tmp/disk', info), null, 'not a FUSE mount');
  assert.equal(connectionOf('/nowhere', info), null);
});

test('backing open flags keep the access mode and drop O_DIRECT / O_APPEND', () => {
  const f = backingOpenFlags(C.O_RDWR | C.O_DIRECT | C.O_APPEND | C.O_DSYNC);
  assert.equal(f & 3, C.O_RDWR);
  assert.equal(f & C.O_DIRECT, 0);
  assert.equal(f & C.O_APPEND, 0);
  assert.equal(f & C.O_DSYNC, C.O_DSYNC);
  assert.equal(f & C.O_NOFOLLOW, C.O_NOFOLLOW);
});

test('a fuse-native cell with INIT options is refused before mounting, not run without them', async () => {
  // Only what the refusal reads: the kernel offers the INIT flag, so the refusal is the server kind's.
  const offer = { init: { offered: ['DIRECT_IO_ALLOW_MMAP'] }, passthrough: { usable: true, reason: null } } as unknown as ReadyInfo;
  const cell = await runCell(
    { scenario: 'mmap', spec: parseModeSpec('direct+allow-mmap'), engine: 'mmap', iodepth: 1, jobs: 1, blockSize: 4096, backend: 'disk', server: 'fuse-native', delay: '', repeat: 0, durationMs: 100 },
    // Never reached: a refused cell mounts nothing and runs no job.
    { pool: null as unknown as Piscina, backing: '/nonexistent', mountpoint: '/nonexistent', offer },
  );
  assert.equal(cell.status, 'unsupported');
  assert.match(cell.reason ?? '', /INIT options \(\+allow-mmap\) cannot be requested through fuse-native/);
  assert.deepEqual(cell.init, ['allow-mmap']);
});
