// Which lock the kernel took, as the server sees it: 8 concurrent O_DIRECT writers holding each WRITE
// 50 ms. Counts, not timings: max WRITEs in flight on the inode.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { O, resetCursor } from '../bench/native/io.js';
import { createPool } from '../bench/runner/pool.js';
import { runWindow, type JobSpec } from '../bench/runner/jobs.js';
import type { Mode } from '../bench/modes.js';
import { assertNoMountsLeft, isRoot, withMount } from './helpers/mount.js';
import { passthroughSkip } from './helpers/kernel.js';

const WRITERS = 8;
const FILE_SIZE = 16 << 20;
let pool: Piscina;

before(() => {
  pool = createPool(WRITERS);
});
after(async () => {
  await pool.destroy();
});

async function maxWritesInFlight(mode: Mode, how: 'inside' | 'extend' | 'append'): Promise<number> {
  return withMount({ mode, delay: 'write=50ms' }, async ({ server, mnt, backing }) => {
    // Pre-size in the backing dir before the first LOOKUP, so the kernel's i_size is the real one.
    const fd = openSync(join(backing, 'f'), 'w');
    ftruncateSync(fd, how === 'inside' ? FILE_SIZE : 0);
    closeSync(fd);
    const cursor = 77;
    resetCursor(cursor, 0);
    const jobs: JobSpec[] = Array.from({ length: WRITERS }, (_, i) => ({
      path: join(mnt, 'f'),
      openFlags: O.RDWR | O.DIRECT | (how === 'append' ? O.APPEND : 0),
      seed: i + 1,
      phases: [
        {
          name: 'write',
          engine: 'psync',
          op: 'pwrite',
          blockSize: 4096,
          pattern: how === 'extend' ? 'extend' : 'random',
          offset: 0,
          range: FILE_SIZE,
          ...(how === 'extend' ? { cursor } : {}),
          share: 1,
        },
      ],
    }));
    const w = await runWindow(pool, jobs, 600e6, false, { atBarrier: () => server.reset() });
    for (const o of w.outcomes) {
      assert.equal(o.result.openError, null);
      assert.deepEqual(o.result.phases[0]!.errors, {}, 'writes failed');
    }
    const stats = await server.stats();
    const wr = stats.ops['WRITE'];
    assert.ok(wr && wr.count >= WRITERS, `server saw ${wr?.count ?? 0} WRITEs`);
    return wr.maxInFlightPerInode;
  });
}

const skip = !isRoot() && 'needs root';
// Decided from what the kernel offered at INIT (and whether a backing file could be registered).
const ptSkip = await passthroughSkip('passthrough-parallel: writes reach the server');

test('parallel: non-extending writes take the shared path (8 in flight)', { skip }, async () => {
  assert.equal(await maxWritesInFlight('parallel', 'inside'), WRITERS);
});

test('passthrough-parallel: writes reach the server, 8 in flight', { skip: ptSkip }, async () => {
  assert.equal(await maxWritesInFlight('passthrough-parallel', 'inside'), WRITERS);
});

test('direct: exclusive (1 in flight)', { skip }, async () => {
  assert.equal(await maxWritesInFlight('direct', 'inside'), 1);
});

test('parallel, extending writes: exclusive', { skip }, async () => {
  assert.equal(await maxWritesInFlight('parallel', 'extend'), 1);
});

test('parallel, O_APPEND: exclusive', { skip }, async () => {
  assert.equal(await maxWritesInFlight('parallel', 'append'), 1);
});

test('no mount left behind', () => {
  assertNoMountsLeft();
});
