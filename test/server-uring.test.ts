// FUSE over io_uring (--transport uring) on real mounts: data integrity in direct, parallel and
// passthrough-parallel, the same lock-path verdicts as over /dev/fuse, the transport reported as
// unavailable when INIT does not offer it, and enable_uring always put back afterwards (by the tests
// and by the CLI on Ctrl-C, SIGTERM and an uncaught exception).
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENABLE_URING_PATH, readEnableUring, withEnableUring } from '../bench/env/enable-uring.js';
import { readKernelOffer } from '../bench/env/kernel-offer.js';
import { harnessRandWrite } from '../bench/perf/harness-run.js';
import { packageRoot } from '../bench/paths.js';
import { parseResults } from '../bench/results/schema.js';
import { createPool } from '../bench/runner/pool.js';
import { ensureDataFile } from '../bench/scenarios/files.js';
import type { Mode } from '../bench/modes.js';
import type { Transport } from '../bench/server/types.js';
import { assertNoMountsLeft, isRoot, testTmpDir, withMount } from './helpers/mount.js';
import { ensureAsanBuild } from './helpers/asan.js';
import { startServer } from '../bench/server/process.js';
import { isMounted } from '../bench/server/mounts.js';
import { pattern, readDirect, sha, writeDirect } from './helpers/data.js';

const ORIGINAL = readEnableUring();
const CLI = join(packageRoot(), 'dist', 'bench', 'cli', 'main.js');

after(() => {
  // Whatever a test did, the machine keeps the value it had.
  if (ORIGINAL !== null && readEnableUring() !== ORIGINAL) writeFileSync(ENABLE_URING_PATH, ORIGINAL ? 'Y' : 'N');
});

let verdict: Promise<string | null> | null = null;

/** null when the kernel offers FUSE_OVER_IO_URING with enable_uring=Y, else why the tests skip. */
function uringUnavailable(): Promise<string | null> {
  verdict ??= (async () => {
    if (!isRoot()) return 'needs root';
    if (ORIGINAL === null) return `the kernel has no FUSE io_uring: ${ENABLE_URING_PATH} does not exist (CONFIG_FUSE_IO_URING off)`;
    const offer = await withEnableUring(true, () => readKernelOffer());
    return offer.init.offered.includes('OVER_IO_URING') ? null : 'the kernel did not offer FUSE_OVER_IO_URING at INIT even with enable_uring=Y';
  })();
  return verdict;
}

async function skipped(t: TestContext): Promise<boolean> {
  const why = await uringUnavailable();
  if (why === null) return false;
  process.stdout.write(`SKIP: ${why}\n`);
  t.skip(why);
  return true;
}

const SIZES = [1, 4095, 4096, 65536 + 17, (1 << 20) + 4096 * 3 + 5];

for (const mode of ['direct', 'parallel', 'passthrough-parallel'] as const) {
  test(`io_uring transport: data integrity in ${mode}`, async (t) => {
    if (await skipped(t)) return;
    await withEnableUring(true, () =>
      withMount({ mode, transport: 'uring' }, async ({ server, mnt, backing }) => {
        const tr = server.ready.transport;
        assert.equal(tr?.active, true, `transport not active: ${tr?.reason ?? ''}`);
        if (mode.startsWith('passthrough') && !server.ready.passthrough.usable) return t.skip(`passthrough unusable: ${server.ready.passthrough.reason ?? ''}`);
        mkdirSync(join(mnt, 'd'));
        const files = SIZES.map((size, i) => ({ rel: join('d', `f${size}`), data: pattern(i + 1, size) }));
        for (const f of files) writeFileSync(join(mnt, f.rel), f.data);
        const direct = pattern(42, (1 << 20) + 8192);
        writeDirect(join(mnt, 'direct.bin'), direct);
        files.push({ rel: 'direct.bin', data: direct });
        for (const f of files) {
          assert.equal(sha(readFileSync(join(mnt, f.rel))), sha(f.data), `${f.rel} read back through the mount`);
          assert.equal(sha(readFileSync(join(backing, f.rel))), sha(f.data), `${f.rel} in the backing dir`);
        }
        assert.equal(sha(readDirect(join(mnt, 'direct.bin'))), sha(direct), 'O_DIRECT read back');
        const stats = await server.stats();
        const ring = stats.transport?.ringRequests ?? 0;
        assert.ok(ring > files.length, `requests served over the ring: ${ring}`);
        if (!mode.startsWith('passthrough')) assert.ok((stats.ops['WRITE']?.count ?? 0) > 0, 'the server saw WRITEs');
        assert.equal(stats.ops['WRITE']?.errors ?? 0, 0);
        assert.equal(stats.ops['READ']?.errors ?? 0, 0);
      }),
    );
  });
}

const WRITERS = 8;
const LOCK_FILE = 'lock.dat';
const LOCK_SIZE = 16 << 20;

async function maxWritesInFlight(mode: Mode, transport: Transport): Promise<number> {
  const pool = createPool(WRITERS);
  try {
    return await withMount({ mode, transport, delay: 'write=50ms', backend: 'null' }, async ({ server, backing }) => {
      assert.equal(server.ready.transport?.active, true, `${transport} not active: ${server.ready.transport?.reason ?? ''}`);
      // The file exists before the first LOOKUP, so the kernel knows its real size.
      ensureDataFile(backing, LOCK_FILE, LOCK_SIZE);
      const r = await harnessRandWrite(pool, server, LOCK_FILE, LOCK_SIZE, WRITERS, 0.6);
      return r.maxWritesInFlight;
    });
  } finally {
    await pool.destroy();
  }
}

test('io_uring transport: lock-path verdicts as over /dev/fuse (parallel: 8 WRITEs in flight, direct: 1)', async (t) => {
  if (await skipped(t)) return;
  await withEnableUring(true, async () => {
    const seen: Record<string, number> = {};
    for (const transport of ['dev', 'uring'] as const) {
      for (const mode of ['parallel', 'direct'] as const) seen[`${mode}/${transport}`] = await maxWritesInFlight(mode, transport);
    }
    assert.deepEqual(seen, { 'parallel/dev': WRITERS, 'direct/dev': 1, 'parallel/uring': WRITERS, 'direct/uring': 1 });
  });
});

test('transport uring without the INIT offer: served over /dev/fuse, reported unavailable with the reason', async (t) => {
  if (await skipped(t)) return;
  writeFileSync(ENABLE_URING_PATH, 'N');
  try {
    await withMount({ mode: 'parallel', transport: 'uring' }, async ({ server, mnt }) => {
      const tr = server.ready.transport;
      assert.equal(tr?.requested, 'uring');
      assert.equal(tr?.active, false);
      assert.match(tr?.reason ?? '', /did not offer FUSE_OVER_IO_URING/);
      assert.ok(!server.ready.init.negotiated.includes('OVER_IO_URING'));
      writeFileSync(join(mnt, 'x'), 'still served');
      assert.equal(readFileSync(join(mnt, 'x'), 'utf8'), 'still served');
    });
  } finally {
    writeFileSync(ENABLE_URING_PATH, ORIGINAL ? 'Y' : 'N');
  }
});

test('run --transport dev,uring --enable-uring: both dio-write cells run (shared lock path), carry CPU per op, enable_uring is restored', { timeout: 180_000 }, async (t) => {
  if (await skipped(t)) return;
  assert.equal(readEnableUring(), ORIGINAL, 'nothing holds enable_uring before the run');
  const dir = testTmpDir('uring-run');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'backing'));
  const r = spawnSync(
    process.execPath,
    [CLI, 'run', '--scenarios', 'dio-write', '--modes', 'parallel', '--jobs', '2', '--duration', '300ms', '--repeat', '1', '--delay', 'write=20ms',
      '--transport', 'dev,uring', '--enable-uring', '--no-probes', '--no-report', '--backing', join(dir, 'backing'), '--out', join(dir, 'out'), '--json'],
    { encoding: 'utf8', timeout: 170_000, maxBuffer: 64 << 20 },
  );
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.equal(readEnableUring(), ORIGINAL, 'enable_uring restored after the run');
  const res = parseResults(JSON.parse(r.stdout));
  assert.deepEqual(res.cells.map((c) => c.transport), ['dev', 'uring']);
  for (const c of res.cells) {
    assert.equal(c.status, 'ok', `${c.id}: ${c.reason ?? ''}`);
    assert.ok(c.id.endsWith(c.transport === 'uring' ? '/write=20ms/uring/r0' : '/write=20ms/r0'), c.id);
    assert.equal(c.lockPath, 'shared', `${c.id}: both writers' WRITEs held at once`);
    assert.ok(c.cpu && c.cpu.ops === c.ops['write']!.count, 'CPU per op divides by the window\'s operations');
    assert.ok(c.cpu.clientNs > 0, 'the jobs used CPU');
    assert.notEqual(c.cpu.serverNsPerOp, null, 'the server CPU was read');
  }
});

/** Waits until `re` shows in the child's stderr (or it exits). */
async function stderrShows(child: ReturnType<typeof spawn>, re: RegExp, what: string): Promise<string> {
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!re.test(err)) {
    assert.ok(Date.now() < deadline, `${what}: no ${re} in ${err}`);
    assert.equal(child.exitCode, null, `${what} exited early: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return err;
}

function exited(child: ReturnType<typeof spawn>): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

/** Runs `fn` with enable_uring forced to N, so that a flip by a child is visible. */
async function fromOff(fn: () => Promise<void>): Promise<void> {
  writeFileSync(ENABLE_URING_PATH, 'N');
  try {
    await fn();
  } finally {
    writeFileSync(ENABLE_URING_PATH, ORIGINAL ? 'Y' : 'N');
  }
}

test('mount --enable-uring: Y while serving over io_uring, N again after Ctrl-C', { timeout: 60_000 }, async (t) => {
  if (await skipped(t)) return;
  await fromOff(async () => {
    const dir = testTmpDir('uring-mount');
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'backing'));
    mkdirSync(join(dir, 'mnt'));
    const child = spawn(process.execPath, [CLI, 'mount', '--enable-uring', '--transport', 'uring', '--backing', join(dir, 'backing'), join(dir, 'mnt')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await stderrShows(child, /transport io_uring/, 'mount');
    assert.equal(readEnableUring(), true, 'enable_uring is Y while mounted');
    child.kill('SIGINT');
    const e = await exited(child);
    assert.equal(e.code, 0);
    assert.equal(readEnableUring(), false, 'enable_uring back to N');
  });
});

/** A process that holds enable_uring through the module, then ends as `how` says. */
function holder(how: 'throw' | 'wait'): ReturnType<typeof spawn> {
  const mod = pathToFileURL(join(packageRoot(), 'dist', 'bench', 'env', 'enable-uring.js')).href;
  const body = how === 'throw' ? "throw new Error('crash on purpose')" : "process.stderr.write('holding\\n'); setInterval(() => {}, 1000)";
  return spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(mod)}); m.enableUring(); ${body};`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

test('enable_uring is restored when the holder crashes (uncaught exception) or gets SIGTERM', { timeout: 60_000 }, async (t) => {
  if (await skipped(t)) return;
  await fromOff(async () => {
    const crash = holder('throw');
    const c = await exited(crash);
    assert.notEqual(c.code, 0, 'the holder crashed');
    assert.equal(readEnableUring(), false, 'restored after an uncaught exception');

    const term = holder('wait');
    await stderrShows(term, /holding/, 'holder');
    assert.equal(readEnableUring(), true, 'the holder set it');
    term.kill('SIGTERM');
    const e = await exited(term);
    assert.equal(e.signal, 'SIGTERM', 'it still dies of the signal');
    assert.equal(readEnableUring(), false, 'restored after SIGTERM');
  });
});

test('io_uring transport under AddressSanitizer: integrity, then SIGTERM with a WRITE held in the ring', { timeout: 300_000 }, async (t) => {
  if (await skipped(t)) return;
  ensureAsanBuild();
  await withEnableUring(true, async () => {
    const dir = testTmpDir('uring-asan');
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const mnt = join(dir, 'm');
    const server = await startServer({ backing: join(dir, 'b'), mountpoint: mnt, mode: 'parallel', transport: 'uring', uringDepth: 4, asan: true, readyTimeoutMs: 30_000 });
    let writer: ReturnType<typeof spawn> | null = null;
    try {
      assert.equal(server.ready.transport?.active, true, server.ready.transport?.reason ?? '');
      mkdirSync(join(mnt, 'd'));
      for (let i = 0; i < 5; i++) {
        const data = pattern(i + 1, 1000 * i * i + 1);
        writeFileSync(join(mnt, 'd', `f${i}`), data);
        assert.equal(sha(readFileSync(join(mnt, 'd', `f${i}`))), sha(data));
      }
      const big = pattern(42, 1 << 20);
      writeDirect(join(mnt, 'd', 'direct'), big);
      assert.equal(sha(readDirect(join(mnt, 'd', 'direct'))), sha(big));
      await server.setDelay('write=10s');
      await server.reset();
      writer = spawn('dd', ['if=/dev/zero', `of=${join(mnt, 'd', 'held')}`, 'bs=4k', 'count=1', 'oflag=direct'], { stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      while (((await server.stats()).ops['WRITE']?.maxInFlightPerInode ?? 0) < 1) {
        assert.ok(Date.now() < deadline, 'the WRITE never reached the server');
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      const exit = await server.stop();
      if (writer) await exited(writer);
      assert.equal(isMounted(mnt), false);
      assert.doesNotMatch(server.stderr(), /AddressSanitizer|LeakSanitizer/, 'ASan report');
      assert.equal(exit.code, 0, `ASan server exit: ${exit.reason} ${server.stderr().slice(-3000)}`);
    }
  });
});

test('enable_uring is back to its value from before these tests', () => {
  assert.equal(readEnableUring(), ORIGINAL);
});

test('no mount left behind', () => {
  assertNoMountsLeft();
});
