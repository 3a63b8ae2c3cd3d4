// Ctrl-C during `fusebench run`: the current cell finishes, everything is unmounted, and what finished
// is written (marked interrupted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../bench/paths.js';
import { parseResults } from '../bench/results/schema.js';
import { fusebenchMounts } from '../bench/server/mounts.js';
import { isRoot, testTmpDir } from './helpers/mount.js';

test('Ctrl-C during run keeps the finished cells and leaves nothing mounted', { skip: !isRoot() && 'needs root', timeout: 120_000 }, async () => {
  const dir = testTmpDir('interrupt');
  try {
    const out = join(dir, 'out');
    mkdirSync(join(dir, 'backing')); // a --backing given on the command line must exist
    // Other processes may have mounts of their own; ours are the ones that appear during this run.
    const before = new Set(fusebenchMounts().map((m) => m.target));
    const cli = spawn(
      process.execPath,
      [join(packageRoot(), 'dist', 'bench', 'cli', 'main.js'), 'run', '--quick', '--scenarios', 'dio-write', '--no-probes', '--no-report', '--backing', join(dir, 'backing'), '--out', out],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } },
    );
    let err = '';
    cli.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!/\[1\/\d+\]/.test(err)) {
      assert.ok(Date.now() < deadline, `no progress line: ${err}`);
      assert.equal(cli.exitCode, null, `run exited early: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    cli.kill('SIGINT');
    const code = await new Promise<number | null>((r) => cli.once('exit', (c) => r(c)));
    assert.equal(code, 130, err);
    const results = parseResults(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')));
    assert.equal(results.interrupted, true);
    assert.ok(results.cells.length >= 1 && results.cells.length < 6, `cells: ${results.cells.length}`);
    assert.ok(results.cells.every((c) => c.status === 'ok'), 'a finished cell is whole');
    assert.deepEqual(fusebenchMounts().filter((m) => !before.has(m.target)).map((m) => m.target), [], 'mounts left by the interrupted run');
    assert.match(err, /Ctrl-C/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
