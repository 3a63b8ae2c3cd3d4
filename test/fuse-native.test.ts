// The fuse-native server kind (JavaScript handlers over libfuse 2) on real mounts: data integrity in
// cached and direct mode (buffered, O_DIRECT, the dio-write and read loads), what the server saw, and
// the lifecycle guarantee that nothing stays mounted when the server or its parent is killed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fusebenchMounts, isMounted, readMounts } from '../bench/server/mounts.js';
import { fuseNativeCheck, fuseNativeSupport } from '../bench/server/fuse-native/support.js';
import { startFuseNativeServer, type FuseNativeOptions, type FuseNativeServer } from '../bench/server/fuse-native/start.js';
import { serverBinary } from '../bench/paths.js';
import { pattern, sha } from './helpers/pattern.js';

type Io = typeof import('../bench/native/io.js');

const MODES = ['cached', 'direct'] as const;

/** Like requireTool, for a library: SKIP line when libfuse 2 / fuse-native is missing, failure in CI. */
function fuseNativeAvailable(): boolean {
  const c = fuseNativeCheck();
  if (c.ok) return true;
  const msg = `fuse-native server kind unavailable: ${c.reason ?? 'unknown reason'}`;
  if (process.env['FUSEBENCH_REQUIRE_TOOLS'] === '1') {
    throw new Error(`required tool missing: ${msg}; FUSEBENCH_REQUIRE_TOOLS=1 turns this skip into a failure`);
  }
  process.stdout.write(`SKIP: ${msg}\n`);
  return false;
}

const available = fuseNativeAvailable();
const skip = available ? false : 'libfuse 2 / fuse-native missing';

let io: Io | null = null;
// O_DIRECT helpers need the addon too: loaded with it, so a missing addon skips rather than fails.
let direct: typeof import('./helpers/data.js') | null = null;
before(async () => {
  try {
    io = await import('../bench/native/io.js');
    direct = await import('./helpers/data.js');
  } catch (e) {
    process.stdout.write(`SKIP: native I/O addon not built (${(e as Error).message.split('\n')[0]}); O_DIRECT and ioLoop parts skipped\n`);
  }
});

interface Mounted {
  server: FuseNativeServer;
  mnt: string;
  backing: string;
}

async function withFuseNative<T>(
  opts: Omit<FuseNativeOptions, 'backing' | 'mountpoint'>,
  prepare: (backing: string) => void,
  fn: (m: Mounted) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-test-fn-'));
  const backing = join(dir, 'backing');
  const mnt = join(dir, 'mnt');
  // Files are created before the mount so the kernel's first LOOKUP sees their final size.
  mkdirSync(backing, { recursive: true });
  prepare(backing);
  const server = await startFuseNativeServer({ ...opts, backing, mountpoint: mnt });
  try {
    return await fn({ server, mnt, backing });
  } finally {
    await server.stop();
    assert.equal(isMounted(mnt), false, `${mnt} still mounted after stop()`);
    rmSync(dir, { recursive: true, force: true });
  }
}

const FILE_SIZE = 8 << 20;
const BLOCK = 4096;

test('fuse-native support: only cached and direct, with reasons', () => {
  for (const m of ['parallel', 'passthrough', 'passthrough-direct', 'passthrough-parallel', 'direct+async-dio', 'fopen:DIRECT_IO']) {
    const s = fuseNativeSupport(m);
    assert.equal(s.supported, false, m);
    assert.ok(s.reason && s.reason.length > 10, `${m} has a reason`);
  }
  for (const m of MODES) {
    const s = fuseNativeSupport(m);
    if (available) assert.deepEqual(s, { supported: true, reason: null });
    else assert.match(s.reason ?? '', /libfuse|fuse-native/);
  }
});

test('fuse-native: without libfuse 2 the kind reports unsupported with the install hint', { skip: skip || (process.getuid?.() !== 0 && 'needs root (mount namespace)') }, (t) => {
  // Hide libfuse.so.2 in a private mount namespace (bind /dev/null over it) and ask the server.
  const hide = spawnSync('sh', ['-c', 'ls /usr/lib/*/libfuse.so.2* /lib/*/libfuse.so.2* 2>/dev/null'], { encoding: 'utf8' }).stdout.split('\n').filter((x) => x !== '');
  if (hide.length === 0 || spawnSync('sh', ['-c', 'command -v unshare'], { stdio: 'ignore' }).status !== 0) return t.skip('no unshare or libfuse.so.2 path');
  const main = join(import.meta.dirname, '..', 'bench', 'server', 'fuse-native', 'server-main.js');
  const script = `${hide.map((f) => `mount --bind /dev/null ${JSON.stringify(f)}`).join(' && ')} && exec ${JSON.stringify(process.execPath)} ${JSON.stringify(main)} "$@"`;
  const check = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', '--check'], { encoding: 'utf8' });
  assert.equal(check.status, 3, check.stderr);
  const out = JSON.parse(check.stdout) as { ok: boolean; reason: string };
  assert.equal(out.ok, false);
  assert.match(out.reason, /apt-get install libfuse2/);
  const serve = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', '--backing', '/nonexistent-b', '--mountpoint', '/nonexistent-m'], { encoding: 'utf8' });
  assert.equal(serve.status, 3, 'exits "unsupported", does not crash');
  assert.match(serve.stdout, /"unsupported":true/);
});

for (const mode of MODES) {
  test(`fuse-native ${mode}: buffered and O_DIRECT files read back intact`, { skip }, async () => {
    await withFuseNative({ mode }, () => {}, async ({ mnt, backing, server }) => {
      const files: Array<{ name: string; data: Buffer }> = [];
      [0, 1, 4095, 4096, 65536 + 17, (1 << 20) + 4096 * 3 + 5].forEach((size, i) => {
        const name = `buffered-${size}`;
        const data = pattern(i + 1, size);
        writeFileSync(join(mnt, name), data);
        files.push({ name, data });
      });
      if (direct) {
        const data = pattern(99, (1 << 20) + 8192);
        direct.writeDirect(join(mnt, 'direct.bin'), data);
        files.push({ name: 'direct.bin', data });
        assert.equal(sha(direct.readDirect(join(mnt, 'direct.bin'))), sha(data), 'O_DIRECT read back');
      }
      for (const f of files) {
        assert.equal(sha(readFileSync(join(mnt, f.name))), sha(f.data), `${f.name} through the mount`);
        assert.equal(statSync(join(mnt, f.name)).size, f.data.length, `${f.name} size`);
        assert.equal(sha(readFileSync(join(backing, f.name))), sha(f.data), `${f.name} in the backing dir`);
      }
      const s = await server.stats();
      assert.ok((s.ops['WRITE']?.count ?? 0) > 0, 'the server counted WRITEs');
      assert.equal(s.ops['WRITE']?.errors ?? 0, 0);
      assert.equal(s.ops['WRITE']?.bytes, files.reduce((a, f) => a + f.data.length, 0), 'every byte written went through the server');
    });
  });

  test(`fuse-native ${mode}: dio-write and read loads keep the data intact`, { skip }, async (t) => {
    if (!io) return t.skip('native I/O addon not built');
    const addon = io;
    const original = pattern(7, FILE_SIZE);
    await withFuseNative({ mode }, (b) => writeFileSync(join(b, 'data'), original), async ({ mnt, backing, server }) => {
      await server.reset();
      // dio-write: 4 writers, O_DIRECT pwrite at random aligned offsets inside the pre-sized file.
      const fills = [0xa1, 0xb2, 0xc3, 0xd4];
      const OPS = 200;
      const writers = fills.map((fill, i) => {
        const fd = addon.openFile(join(mnt, 'data'), addon.O.RDWR | addon.O.DIRECT);
        return addon
          .ioLoopAsync({ fd, op: 'pwrite', blockSize: BLOCK, pattern: 'random', offset: 0, range: FILE_SIZE, maxOps: OPS, deadlineNs: 0, seed: 11 + i, fill })
          .finally(() => addon.closeFile(fd));
      });
      const results = await Promise.all(writers);
      for (const r of results) {
        assert.deepEqual(r.errors, {}, 'pwrite errors');
        assert.equal(r.ops, OPS);
      }
      // Every 4 KiB block is either untouched or wholly one writer's fill byte.
      const viaMount = readFileSync(join(mnt, 'data'));
      assert.equal(viaMount.length, FILE_SIZE, 'non-extending writes keep the size');
      let changed = 0;
      for (let off = 0; off < FILE_SIZE; off += BLOCK) {
        const blk = viaMount.subarray(off, off + BLOCK);
        if (blk.equals(original.subarray(off, off + BLOCK))) continue;
        changed++;
        assert.ok(fills.includes(blk[0]!) && blk.every((x) => x === blk[0]), `block at ${off} is torn or foreign`);
      }
      assert.ok(changed > 0 && changed <= fills.length * OPS, `${changed} blocks changed`);
      assert.equal(sha(readFileSync(join(backing, 'data'))), sha(viaMount), 'backing file equals what the mount shows');

      // read: random 4 KiB and sequential 128 KiB pread, then the content once more through O_DIRECT.
      const fd = addon.openFile(join(mnt, 'data'), addon.O.RDONLY);
      try {
        const rand = addon.ioLoop({ fd, op: 'pread', blockSize: BLOCK, pattern: 'random', offset: 0, range: FILE_SIZE, maxOps: 500, deadlineNs: 0, seed: 5 });
        const seq = addon.ioLoop({ fd, op: 'pread', blockSize: 128 << 10, pattern: 'sequential', offset: 0, range: FILE_SIZE, maxOps: 64, deadlineNs: 0, seed: 6 });
        assert.deepEqual(rand.errors, {});
        assert.deepEqual(seq.errors, {});
        assert.equal(rand.ops, 500);
        assert.equal(seq.ops, 64);
      } finally {
        addon.closeFile(fd);
      }
      assert.equal(sha(direct!.readDirect(join(mnt, 'data'))), sha(viaMount), 'O_DIRECT read equals buffered read');

      const s = await server.stats();
      const w = s.ops['WRITE'];
      assert.ok(w, 'server saw WRITEs');
      // O_DIRECT 4 KiB writes are one WRITE each in both modes.
      assert.equal(w.count, fills.length * OPS);
      assert.equal(w.bytes, fills.length * OPS * BLOCK);
      assert.ok((s.ops['READ']?.count ?? 0) > 0, 'server saw READs');
    });
  });
}

test('fuse-native: direct_io takes effect (re-reads reach the server only in direct mode)', { skip }, async () => {
  const data = pattern(3, 64 << 10);
  const reads: Record<string, [number, number]> = {};
  for (const mode of MODES) {
    await withFuseNative({ mode }, (b) => writeFileSync(join(b, 'f'), data), async ({ mnt, server }) => {
      const fd = openSync(join(mnt, 'f'), 'r');
      try {
        const buf = Buffer.alloc(data.length);
        await server.reset();
        readSync(fd, buf, 0, buf.length, 0);
        const first = (await server.stats()).ops['READ']?.count ?? 0;
        readSync(fd, buf, 0, buf.length, 0);
        const second = (await server.stats()).ops['READ']?.count ?? 0;
        assert.equal(sha(buf), sha(data));
        reads[mode] = [first, second];
      } finally {
        closeSync(fd);
      }
    });
  }
  const [c1, c2] = reads['cached']!;
  const [d1, d2] = reads['direct']!;
  assert.ok(c1 > 0 && c2 === c1, `cached: the second read is served from the page cache (${c1} → ${c2})`);
  assert.ok(d1 > 0 && d2 === 2 * d1, `direct: every read is a request (${d1} → ${d2})`);
});

test('fuse-native direct: writes serialise on the inode, reads do not (server in-flight counts)', { skip }, async (t) => {
  if (!io) return t.skip('native I/O addon not built');
  const addon = io;
  await withFuseNative({ mode: 'direct', delay: 'write=50ms,read=50ms' }, (b) => writeFileSync(join(b, 'data'), pattern(1, 1 << 20)), async ({ mnt, server }) => {
    await server.reset();
    const run = (op: 'pwrite' | 'pread'): Promise<unknown> =>
      Promise.all(
        [1, 2, 3, 4].map((seed) => {
          const fd = addon.openFile(join(mnt, 'data'), (op === 'pwrite' ? addon.O.RDWR : addon.O.RDONLY) | addon.O.DIRECT);
          return addon
            .ioLoopAsync({ fd, op, blockSize: BLOCK, pattern: 'random', offset: 0, range: 1 << 20, maxOps: 6, deadlineNs: 0, seed })
            .then((r) => assert.deepEqual(r.errors, {}))
            .finally(() => addon.closeFile(fd));
        }),
      );
    await run('pwrite');
    await run('pread');
    const s = await server.stats();
    assert.equal(s.ops['WRITE']?.count, 24);
    assert.equal(s.ops['READ']?.count, 24);
    // No FOPEN_PARALLEL_DIRECT_WRITES in libfuse 2: the kernel holds the inode lock exclusively.
    assert.equal(s.ops['WRITE']?.maxInFlightPerInode, 1, 'exclusive write path');
    assert.ok((s.ops['READ']?.maxInFlightPerInode ?? 0) > 1, `DIO reads take no inode lock: ${s.ops['READ']?.maxInFlightPerInode} in flight`);
  });
});

test('fuse-native: SIGKILL mid-I/O fails the I/O (no hang) and leaves nothing mounted', { skip, timeout: 120_000 }, async (t) => {
  if (!io) return t.skip('native I/O addon not built');
  const addon = io;
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-test-fn-kill-'));
  const backing = join(dir, 'backing');
  const mnt = join(dir, 'mnt');
  mkdirSync(backing, { recursive: true });
  writeFileSync(join(backing, 'data'), pattern(2, 1 << 20));
  const server = await startFuseNativeServer({ backing, mountpoint: mnt, mode: 'direct', delay: 'write=20ms' });
  try {
    const fd = addon.openFile(join(mnt, 'data'), addon.O.RDWR | addon.O.DIRECT);
    const loop = addon.ioLoopAsync({ fd, op: 'pwrite', blockSize: BLOCK, pattern: 'random', offset: 0, range: 1 << 20, maxOps: 1000, deadlineNs: 0, seed: 9 });
    // Wait until writes are flowing, then kill the server without letting it unmount.
    for (let i = 0; i < 200 && ((await server.stats()).ops['WRITE']?.count ?? 0) < 3; i++) await new Promise((r) => setTimeout(r, 20));
    server.kill('SIGKILL');
    const r = await loop;
    try {
      addon.closeFile(fd);
    } catch {
      /* the connection is gone; close may fail */
    }
    assert.ok(r.ops < 1000, `the loop stopped succeeding after the kill (${r.ops} ops)`);
    const errs = Object.keys(r.errors);
    assert.ok(errs.some((e) => e === 'ENOTCONN' || e === 'ECONNABORTED' || e === 'EIO'), `I/O failed with ${JSON.stringify(r.errors)}`);
    const exit = await server.waitExit();
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(isMounted(mnt), false, 'mount removed after the kill');
    assert.deepEqual(readMounts().filter((m) => m.source.startsWith('fusebench') && m.target.startsWith(dir)), []);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fuse-native: the server unmounts and exits when its parent is killed', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-test-fn-parent-'));
  const mnt = join(dir, 'mnt');
  const startJs = pathToFileURL(join(import.meta.dirname, '..', 'bench', 'server', 'fuse-native', 'start.js')).href;
  const script = join(dir, 'parent.mjs');
  writeFileSync(
    script,
    `import { startFuseNativeServer } from ${JSON.stringify(startJs)};\n` +
      `const s = await startFuseNativeServer({ backing: ${JSON.stringify(join(dir, 'backing'))}, mountpoint: ${JSON.stringify(mnt)}, mode: 'cached' });\n` +
      `process.stdout.write(JSON.stringify({ pid: s.pid }) + '\\n');\nsetInterval(() => {}, 1000);\n`,
  );
  const parent = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const childPid = await new Promise<number>((res, rej) => {
      parent.stdout.setEncoding('utf8');
      let buf = '';
      parent.stdout.on('data', (d: string) => {
        buf += d;
        const l = buf.split('\n').find((x) => x.startsWith('{'));
        if (l) res((JSON.parse(l) as { pid: number }).pid);
      });
      parent.once('exit', (c) => rej(new Error(`parent exited early (${c})`)));
    });
    assert.equal(isMounted(mnt), true);
    parent.kill('SIGKILL');
    // Bounded wait for the child to notice (stdin EOF) and unmount; not a timing assertion.
    const alive = (): boolean => {
      try {
        process.kill(childPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 200 && (alive() || isMounted(mnt)); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(), false, 'server process gone with its parent');
    assert.equal(isMounted(mnt), false, 'mount gone with its parent');
  } finally {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fuse-native: runner cells dio-write and read run ok in cached and direct', { skip, timeout: 180_000 }, async (t) => {
  if (!io) return t.skip('native I/O addon not built');
  const { createPool } = await import('../bench/runner/pool.js');
  const { runCell } = await import('../bench/runner/run-cell.js');
  const { parseModeSpec } = await import('../bench/modes.js');
  const { readKernelOffer } = await import('../bench/env/kernel-offer.js');
  if (!existsSync(serverBinary())) {
    process.stdout.write(`SKIP: ${serverBinary()} not built; runner cells need the kernel offer it reads\n`);
    return t.skip('C server not built');
  }
  const offer = await readKernelOffer();
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-test-fn-cells-'));
  mkdirSync(join(dir, 'backing'));
  const pool = createPool(2);
  try {
    for (const scenario of ['dio-write', 'read']) {
      for (const mode of MODES) {
        const cell = await runCell(
          { scenario, spec: parseModeSpec(mode), engine: 'psync', iodepth: 1, jobs: 2, blockSize: 4096, backend: 'disk', server: 'fuse-native', delay: '', repeat: 0, durationMs: 200 },
          { pool, backing: join(dir, 'backing'), mountpoint: join(dir, 'mnt'), offer },
        );
        assert.equal(cell.status, 'ok', `${scenario}/${mode}: ${cell.reason}`);
        assert.deepEqual(cell.errors, {}, `${scenario}/${mode} errors`);
        const op = scenario === 'dio-write' ? 'WRITE' : 'READ';
        assert.ok((cell.serverStats[op]?.count ?? 0) > 0, `${scenario}/${mode}: server counted ${op}`);
        if (scenario === 'dio-write') assert.notEqual(cell.lockPath, 'shared', 'libfuse 2 cannot ask for parallel writes');
        assert.equal(isMounted(join(dir, 'mnt')), false);
      }
    }
  } finally {
    await pool.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

after(() => {
  // Only our own mounts: other suites may be running theirs meanwhile.
  assert.deepEqual(fusebenchMounts(join(tmpdir(), 'fusebench-test-fn-')).map((m) => m.target), [], 'fuse-native mounts left behind');
});
