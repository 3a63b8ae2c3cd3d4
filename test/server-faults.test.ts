// Faults: the server dies mid-I/O, hangs, or the user presses Ctrl-C — nothing may stay mounted and no
// I/O may hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ioLoopAsync, monotonicNs, O } from '../bench/native/io.js';
import { isMounted } from '../bench/server/mounts.js';
import { startServer } from '../bench/server/process.js';
import { packageRoot } from '../bench/paths.js';
import { assertNoMountsLeft, isRoot, testTmpDir } from './helpers/mount.js';

const skip = !isRoot() && 'needs root';

function tempDirs(): { dir: string; backing: string; mnt: string } {
  const dir = testTmpDir('faults');
  const t = { dir, backing: join(dir, 'backing'), mnt: join(dir, 'mnt') };
  // The CLI refuses directories that do not exist (the library would create them).
  mkdirSync(t.backing);
  mkdirSync(t.mnt);
  return t;
}

test('SIGKILL of the server mid-I/O: the I/O fails, the mount is cleaned up', { skip }, async (t) => {
  const { dir, backing, mnt } = tempDirs();
  try {
    const server = await startServer({ backing, mountpoint: mnt, mode: 'parallel', delay: 'write=200ms' });
    t.after(() => server.stop());
    const fd0 = openSync(join(backing, 'f'), 'w');
    ftruncateSync(fd0, 1 << 20);
    closeSync(fd0);
    const fd = openSync(join(mnt, 'f'), O.RDWR | O.DIRECT);
    try {
      const io = ioLoopAsync({ fd, op: 'pwrite', blockSize: 4096, pattern: 'random', offset: 0, range: 1 << 20, maxOps: 50, deadlineNs: monotonicNs() + 30e9, seed: 1 });
      await new Promise((r) => setTimeout(r, 300));
      server.kill('SIGKILL');
      const r = await io;
      const failures = Object.entries(r.errors).reduce((a, [, n]) => a + n, 0);
      assert.ok(failures > 0, `no I/O failed after the server died: ${JSON.stringify(r.errors)}`);
      assert.ok(r.ops < 50);
      assert.ok(Object.keys(r.errors).some((e) => e === 'ENOTCONN' || e === 'ECONNABORTED'), JSON.stringify(r.errors));
    } finally {
      // close() sends FLUSH to a dead connection: ENOTCONN is the honest answer.
      assert.throws(() => closeSync(fd), (e: NodeJS.ErrnoException) => e.code === 'ENOTCONN');
    }
    const exit = await server.waitExit();
    assert.equal(exit.reason, 'crashed');
    assert.equal(exit.forcedCleanup, true);
    assert.equal(isMounted(mnt), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a hung (stopped) server is aborted and unmounted by stop()', { skip }, async () => {
  const { dir, backing, mnt } = tempDirs();
  try {
    const server = await startServer({ backing, mountpoint: mnt, mode: 'direct' });
    process.kill(server.pid, 'SIGSTOP');
    const exit = await server.stop();
    assert.equal(isMounted(mnt), false);
    assert.notEqual(exit.reason, 'signal', 'a stopped server cannot have exited cleanly');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C on `fusebench mount` unmounts and prints the stats', { skip }, async () => {
  const { dir, backing, mnt } = tempDirs();
  try {
    const cli = spawn(process.execPath, [join(packageRoot(), 'dist', 'bench', 'cli', 'main.js'), 'mount', '--mode', 'parallel', '--backing', backing, mnt], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
    cli.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 15_000;
    while (!isMounted(mnt) || !err.includes('Ctrl-C')) {
      assert.ok(Date.now() < deadline, `mount did not come up: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    closeSync(openSync(join(mnt, 'hello'), 'w'));
    cli.kill('SIGINT');
    const code = await new Promise<number | null>((r) => cli.once('exit', (c) => r(c)));
    assert.equal(code, 0, err);
    assert.equal(isMounted(mnt), false);
    assert.match(out, /CREATE|LOOKUP/, 'stats table printed on exit');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no mount left behind', () => {
  assertNoMountsLeft();
});
