// `fusebench micro --quick --json` end to end (the compiled CLI): a valid results document with the
// native floor and C-server entries, unsupported cells with reasons, nothing left mounted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot, serverBinary } from '../bench/paths.js';
import { parseResults } from '../bench/results/schema.js';
import { fusebenchMounts } from '../bench/server/mounts.js';
import { fuseNativeCheck } from '../bench/server/fuse-native/support.js';
import { TASKS } from '../bench/micro/tasks.js';
import { isRoot } from './helpers/mount.js';

const CLI = join(packageRoot(), 'dist', 'bench', 'cli', 'main.js');

function cli(args: string[]): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 170_000 }) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
}

function serverBuilt(): boolean {
  if (existsSync(serverBinary())) return true;
  const msg = `${serverBinary()} is not built (npm install builds it)`;
  if (process.env['FUSEBENCH_REQUIRE_TOOLS'] === '1') throw new Error(`required: ${msg}`);
  process.stdout.write(`SKIP: ${msg}\n`);
  return false;
}

test('micro: bad usage exits 2', () => {
  for (const args of [['--servers', 'c,bogus'], ['--modes', 'cached,nope'], ['--time', 'soon']]) {
    const r = cli(['micro', '--quick', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', 'nothing on stdout');
  }
});

test('micro --quick --json: valid results with native and c entries, nothing left mounted', { skip: !isRoot() && 'needs root (mount)', timeout: 180_000 }, (t) => {
  if (!serverBuilt()) return t.skip('C server not built');
  const fnOk = fuseNativeCheck().ok;
  if (!fnOk) process.stdout.write(`SKIP: fuse-native part: ${fuseNativeCheck().reason}\n`);
  const out = mkdtempSync(join(tmpdir(), 'fusebench-test-micro-'));
  try {
    const r = cli(['micro', '--quick', '--json', '--servers', 'c,fuse-native', '--modes', 'cached,direct,parallel', '--out', out]);
    assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr.slice(-3000)}`);
    // stdout is exactly one JSON document.
    const doc = parseResults(JSON.parse(r.stdout), 'stdout');
    const file = parseResults(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')), 'results.json');
    assert.deepEqual(file.micro, doc.micro);
    const micro = doc.micro ?? [];
    assert.equal(doc.cells.length, 0);
    assert.notEqual(doc.fuse.protocol, 'unknown', 'fuse block from the C server');

    const entry = (name: string, server: string, mode: string) => micro.find((e) => e.name === name && e.server === server && e.mode === mode);
    for (const task of TASKS) {
      const n = entry(task.name, 'native', 'native');
      assert.ok(n, `native ${task.name}`);
      assert.equal(n.status, 'ok', `native ${task.name}: ${n.reason}`);
      assert.equal(n.ratioToNative, 1);
      assert.ok(n.samples > 0 && n.p50Ns > 0 && n.p99Ns >= n.p50Ns);

      const c = entry(task.name, 'c', 'cached');
      assert.ok(c, `c/cached ${task.name}`);
      assert.equal(c.status, 'ok', `c/cached ${task.name}: ${c.reason}`);
      assert.ok(c.samples > 0 && c.ratioToNative !== null && c.ratioToNative > 0);
      for (const mode of ['direct', 'parallel']) {
        const e = entry(task.name, 'c', mode);
        assert.ok(e, `c/${mode} ${task.name}`);
        assert.notEqual(e.status, 'error', `c/${mode} ${task.name}: ${e.reason}`);
      }

      const fp = entry(task.name, 'fuse-native', 'parallel');
      assert.ok(fp, `fuse-native/parallel ${task.name}`);
      assert.equal(fp.status, 'unsupported');
      assert.match(fp.reason ?? '', /PARALLEL_DIRECT_WRITES/);
      if (fnOk) {
        const f = entry(task.name, 'fuse-native', 'cached');
        assert.equal(f?.status, 'ok', `fuse-native/cached ${task.name}: ${f?.reason}`);
      }
    }
    // Shared mmap of a DIRECT_IO file without ALLOW_MMAP is refused by the kernel: unsupported, with the rule.
    assert.equal(entry('mmap-first-touch', 'c', 'direct')?.status, 'unsupported');
    assert.match(entry('mmap-first-touch', 'c', 'direct')?.reason ?? '', /ENODEV/);
  } finally {
    rmSync(out, { recursive: true, force: true });
    // micro mounts below its own temporary directory; other suites' mounts are theirs.
    assert.deepEqual(fusebenchMounts(join(tmpdir(), 'fusebench-micro-')).map((m) => m.target), [], 'micro mounts left behind');
  }
});
