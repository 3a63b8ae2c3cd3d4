// The server must never cap what it measures: its pool grows with the load, and when it was the
// limit (every thread busy) the cell says so. Counts, not timings.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { O } from '../bench/native/io.js';
import { createPool, warmPool } from '../bench/runner/pool.js';
import { runWindow } from '../bench/runner/jobs.js';
import { runMatrix } from '../bench/runner/run.js';
import { summaryTable } from '../bench/runner/summary.js';
import { parseResults, type Cell, type Results } from '../bench/results/schema.js';
import { serverPoolFor, serverThreadsFor, serverThreadsOf } from '../bench/server/threads.js';
import type { ServerStats } from '../bench/server/types.js';
import type { Mode } from '../bench/modes.js';
import { buildReport } from '../reports/report.js';
import { packageRoot } from '../bench/paths.js';
import { assertNoMountsLeft, isRoot, testTmpDir, withMount } from './helpers/mount.js';

const WRITERS = 64;
const FILE_SIZE = 16 << 20;
const skip = !isRoot() && 'needs root';
let pool: Piscina;

before(async () => {
  pool = createPool(WRITERS);
  await warmPool(pool, WRITERS);
});
after(async () => {
  await pool.destroy();
});

/** WRITERS O_DIRECT writers at random offsets inside one pre-sized file, each WRITE held `delay`. */
async function writers(mode: Mode, delay: string): Promise<ServerStats> {
  return withMount({ mode, delay, ...serverPoolFor(WRITERS) }, async ({ server, mnt, backing }) => {
    // Pre-sized in the backing dir before the first LOOKUP: non-extending writes, eligible for the shared lock.
    const fd = openSync(join(backing, 'f'), 'w');
    ftruncateSync(fd, FILE_SIZE);
    closeSync(fd);
    const jobs = Array.from({ length: WRITERS }, (_, i) => ({
      path: join(mnt, 'f'),
      openFlags: O.RDWR | O.DIRECT,
      seed: i + 1,
      phases: [{ name: 'write', engine: 'psync' as const, op: 'pwrite' as const, blockSize: 4096, pattern: 'random' as const, offset: 0, range: FILE_SIZE, share: 1 }],
    }));
    const w = await runWindow(pool, jobs, 600e6, false, { atBarrier: () => server.reset() });
    for (const o of w.outcomes) {
      assert.equal(o.result.openError, null);
      assert.deepEqual(o.result.phases[0]!.errors, {}, 'writes failed');
    }
    return server.stats();
  });
}

test(`parallel: ${WRITERS} writers, all ${WRITERS} WRITEs in flight on the inode at once, the server not the limit`, { skip, timeout: 120_000 }, async () => {
  // Held long enough that every writer is inside the server together even on two busy CPUs.
  const s = await writers('parallel', 'write=200ms');
  const wr = s.ops['WRITE'];
  assert.ok(wr && wr.count >= WRITERS, `server saw ${wr?.count ?? 0} WRITEs`);
  assert.equal(wr.maxInFlightPerInode, WRITERS);
  const t = serverThreadsOf(s);
  assert.ok(t, 'stats without thread figures');
  assert.equal(t.limit, serverThreadsFor(WRITERS));
  assert.ok(t.busyMax >= WRITERS, `busy at most ${t.busyMax}`);
  assert.ok(t.started > t.busyMax && t.started <= t.limit, `started ${t.started}, busy ${t.busyMax}, limit ${t.limit}`);
  assert.equal(t.allBusy, 0, 'a request found every thread busy');
});

test(`direct: ${WRITERS} writers, one WRITE in flight at a time`, { skip, timeout: 120_000 }, async () => {
  // Short hold: the writers queue for the exclusive lock, and each must finish its write at the end.
  const s = await writers('direct', 'write=10ms');
  const wr = s.ops['WRITE'];
  assert.ok(wr && wr.count >= 2, `server saw ${wr?.count ?? 0} WRITEs`);
  assert.equal(wr.maxInFlightPerInode, 1);
  assert.equal(serverThreadsOf(s)?.allBusy, 0);
});

test('a pool capped below the writers: the cell is flagged server-bound in results, terminal and report', { skip, timeout: 300_000 }, async () => {
  const dir = testTmpDir('threads');
  try {
    const base = {
      scenarios: ['dio-write'],
      modes: ['parallel'],
      jobs: [8],
      blockSize: 4096,
      durationMs: 300,
      repeats: 1,
      delays: ['write=20ms'],
      backends: ['disk' as const],
      servers: ['c' as const],
      engines: null,
      iodepth: 8,
    };
    const run = async (out: string, serverThreads?: number): Promise<{ cell: Cell; results: Results }> => {
      const { path } = await runMatrix({
        matrix: { ...base, ...(serverThreads !== undefined ? { serverThreads } : {}) },
        outDir: join(dir, out),
        backing: join(dir, 'backing'),
        measureHarness: false,
        log: () => {},
      });
      // What was written validates, and carries the flag.
      const results = parseResults(JSON.parse(readFileSync(path, 'utf8')));
      assert.equal(results.cells.length, 1);
      return { cell: results.cells[0]!, results };
    };
    const { cell: capped, results } = await run('capped', 4);
    assert.equal(capped.status, 'ok', capped.reason ?? '');
    assert.equal(capped.serverBound, true, JSON.stringify(capped.serverThreads));
    assert.equal(capped.serverThreads?.limit, 4);
    assert.equal(capped.serverThreads?.busyMax, 4);
    assert.ok((capped.serverThreads?.allBusy ?? 0) > 0);
    assert.ok((capped.serverStats['WRITE']?.maxInFlightPerInode ?? 0) <= 4, 'more WRITEs in flight than threads');
    assert.match(summaryTable([capped]), /server-bound: 4 of 4 threads busy/);
    const html = buildReport(results, { resultsHref: null, links: { hgrm: () => null } }).html;
    assert.match(html, /server-bound: 4 of 4 threads busy/);
    assert.match(html, /1 cell was <b>server-bound<\/b>/);

    // The runner's own sizing: the same cell is not server-bound and holds all 8 writers.
    const { cell: sized } = await run('sized');
    assert.equal(sized.serverBound, false, JSON.stringify(sized.serverThreads));
    assert.equal(sized.serverThreads?.limit, serverThreadsFor(8));
    assert.equal(sized.serverStats['WRITE']?.maxInFlightPerInode, 8);
    assert.doesNotMatch(summaryTable([sized]), /server-bound/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--jobs above what this machine runs is refused with exit 2 before anything starts', () => {
  const cli = join(packageRoot(), 'dist', 'bench', 'cli', 'main.js');
  const r = spawnSync(process.execPath, [cli, 'run', '--jobs', '4,100000'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--jobs 100000 is more than this machine runs in one cell: at most \d+ \(/);
  const dir = testTmpDir('threads-cli');
  try {
    const m = spawnSync(process.execPath, [cli, 'mount', '--backing', dir, '--threads', '5000', dir], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(m.status, 2, m.stderr);
    assert.match(m.stderr, /--threads 5000 is more than the server's 1024/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no mount left behind', () => {
  assertNoMountsLeft();
});
