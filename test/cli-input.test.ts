// Bad input is refused before anything runs: exit 2 and a message that says what is wrong and what to
// do, with nothing mounted and nothing created. And when the server itself refuses its arguments,
// its reason reaches the error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../bench/paths.js';
import { startServer } from '../bench/server/process.js';
import { FailError } from '../bench/cli/errors.js';
import { assertNoMountsLeft, testTmpDir } from './helpers/mount.js';

const MAIN = join(packageRoot(), 'dist', 'bench', 'cli', 'main.js');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
}

function withDir(fn: (dir: string) => void): void {
  const dir = testTmpDir('cli');
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('run --delay with a misspelt opcode: exit 2, the opcodes listed, no cell run', () => {
  withDir((dir) => {
    const out = join(dir, 'out');
    const r = cli('run', '--delay', 'wirte=200us', '--out', out, '--no-probes');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--delay: unknown opcode "wirte" in delay "wirte=200us" \(did you mean write\?\)/);
    assert.match(r.stderr, /opcodes: lookup, forget, getattr, .*write.*copy_file_range_64/);
    assert.doesNotMatch(r.stderr, /exited before the mount was ready/);
    assert.equal(r.stdout, '');
    assert.equal(existsSync(out), false, 'no output directory: nothing ran');
  });
});

test('run and mount refuse other bad delays the same way (unit, shape)', () => {
  withDir((dir) => {
    mkdirSync(join(dir, 'b'));
    mkdirSync(join(dir, 'm'));
    const units = cli('run', '--delay', 'write=200xs', '--out', join(dir, 'out'));
    assert.equal(units.status, 2, units.stderr);
    assert.match(units.stderr, /bad duration "200xs" .*ns, us, ms or s/);
    const shape = cli('mount', '--delay', 'write', '--backing', join(dir, 'b'), join(dir, 'm'));
    assert.equal(shape.status, 2, shape.stderr);
    assert.match(shape.stderr, /--delay: delay "write" is not OPCODE=DURATION/);
  });
});

test('mount --backing of a missing directory: exit 2, and neither directory is created', () => {
  withDir((dir) => {
    const backing = join(dir, 'nonexistent');
    const mnt = join(dir, 'x');
    const r = cli('mount', '--backing', backing, mnt);
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.includes(`--backing ${backing} does not exist: create it first (mkdir -p ${backing})`), r.stderr);
    assert.equal(existsSync(backing), false, 'backing not created');
    assert.equal(existsSync(mnt), false, 'mountpoint not created');
  });
});

test('mount on a missing, non-empty, non-directory or nested mountpoint: exit 2 with what to do', () => {
  withDir((dir) => {
    const backing = join(dir, 'b');
    mkdirSync(backing);
    const missing = cli('mount', '--backing', backing, join(dir, 'x'));
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /mountpoint .*\/x does not exist: create an empty directory first \(mkdir -p .*\/x\)/);
    assert.equal(existsSync(join(dir, 'x')), false, 'mountpoint not created');

    const full = join(dir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'precious'), 'data');
    const notEmpty = cli('mount', '--backing', backing, full);
    assert.equal(notEmpty.status, 2, notEmpty.stderr);
    assert.match(notEmpty.stderr, /mountpoint .*\/full is not empty \(1 entry, "precious"\): the mount would hide it; name an empty directory/);

    const file = join(full, 'precious');
    const notDir = cli('mount', '--backing', backing, file);
    assert.equal(notDir.status, 2, notDir.stderr);
    assert.match(notDir.stderr, /mountpoint .*\/precious is not a directory/);

    mkdirSync(join(backing, 'inner'));
    const nested = cli('mount', '--backing', backing, join(backing, 'inner'));
    assert.equal(nested.status, 2, nested.stderr);
    assert.match(nested.stderr, /is inside the backing directory .*: the server would serve its own mount/);

    const backingFile = cli('mount', '--backing', file, join(dir, 'x'));
    assert.equal(backingFile.status, 2, backingFile.stderr);
    assert.match(backingFile.stderr, /--backing .*\/precious is not a directory/);
  });
});

test('run --backing of a missing directory: exit 2 before anything runs', () => {
  withDir((dir) => {
    const backing = join(dir, 'nonexistent');
    const r = cli('run', '--backing', backing, '--out', join(dir, 'out'), '--no-probes');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--backing .*\/nonexistent does not exist: create it first/);
    assert.equal(existsSync(backing), false);
    assert.equal(existsSync(join(dir, 'out')), false);
  });
});

test('a server that refuses its arguments: its stderr reason is in the error', async () => {
  const dir = testTmpDir('cli');
  try {
    // --max-write below the server's minimum: it exits 2 before mounting, saying why on stderr.
    const err = await startServer({ backing: join(dir, 'b'), mountpoint: join(dir, 'm'), mode: 'direct', maxWrite: 1 }).then(
      () => assert.fail('the server started'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof FailError, String(err));
    assert.match(err.message, /^fusebench-server exited before the mount was ready \(exit 2\): fusebench-server: --max-write/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assertNoMountsLeft();
});
