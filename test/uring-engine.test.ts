// The io_uring load engine: on plain files (counts, contents, errno counting, fixed buffers and a
// registered file) and on a real mount, where the server's counts show what the kernel does with it:
// with ASYNC_DIO a non-extending write is queued and the job keeps `depth` WRITEs in flight on the
// inode; without it FUSE's writes to one file run one at a time (docs/kernel-fuse.md "Exclusive limits
// submission, not completion").
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { O, closeFile, openFile, uringLoop, uringLoopAsync, type UringSpec } from '../bench/native/io.js';
import { createPool } from '../bench/runner/pool.js';
import { runWindow } from '../bench/runner/jobs.js';
import { assertNoMountsLeft, isRoot, withMount } from './helpers/mount.js';

const BS = 4096;
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fusebench-uring-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function sizedFile(name: string, size: number): string {
  const p = join(dir, name);
  writeFileSync(p, Buffer.alloc(0));
  const fd = openSync(p, 'r+');
  ftruncateSync(fd, size);
  closeSync(fd);
  return p;
}

function spec(fd: number, over: Partial<UringSpec>): UringSpec {
  return { fd, op: 'pwrite', blockSize: BS, pattern: 'sequential', offset: 0, range: 64 * BS, maxOps: 64, deadlineNs: 0, seed: 1, depth: 8, ...over };
}

function uringAvailable(): string | null {
  const p = sizedFile('probe.dat', BS);
  const fd = openFile(p, O.RDWR);
  try {
    const r = uringLoop(spec(fd, { range: BS, maxOps: 1, depth: 1 }));
    return r.ops === 1 ? null : `io_uring unusable here: ${JSON.stringify(r.errors)}`;
  } finally {
    closeFile(fd);
  }
}

describe('uringLoop on a plain file', () => {
  let skip: string | null = null;
  before(() => {
    skip = uringAvailable();
  });

  for (const variant of [{}, { fixedBuffers: true }, { registeredFile: true }, { fixedBuffers: true, registeredFile: true }]) {
    it(`writes every block with its data ${JSON.stringify(variant)}`, (t) => {
      if (skip) return t.skip(skip);
      const p = sizedFile(`w${JSON.stringify(variant).length}.dat`, 64 * BS);
      const fd = openFile(p, O.RDWR);
      try {
        const r = uringLoop(spec(fd, { fill: 0x5a, ...variant }));
        assert.equal(r.ops, 64);
        assert.equal(r.bytes, 64 * BS);
        assert.deepEqual(r.errors, {});
        assert.equal(r.latenciesNs.length, 64);
        const back = uringLoop(spec(fd, { op: 'pread', maxOps: 128, ...variant }));
        assert.equal(back.ops, 128);
      } finally {
        closeFile(fd);
      }
      assert.ok(readFileSync(p).equals(Buffer.alloc(64 * BS, 0x5a)), 'file content is not the written fill byte');
    });
  }

  it('counts submission errors per attempt and short completions', async (t) => {
    if (skip) return t.skip(skip);
    const p = sizedFile('e.dat', 2 * BS);
    const ro = openFile(p, O.RDONLY);
    try {
      const bad = uringLoop(spec(ro, { maxOps: 21, range: 2 * BS }));
      assert.equal(bad.ops, 0);
      assert.deepEqual(bad.errors, { EBADF: 21 });
      const short = await uringLoopAsync(spec(ro, { op: 'pread', range: 4 * BS, maxOps: 8, depth: 2 }));
      assert.equal(short.ops, 4);
      assert.deepEqual(short.errors, { SHORT: 4 });
    } finally {
      closeFile(ro);
    }
  });

  it('rejects a bad spec', () => {
    assert.throws(() => uringLoop({ ...spec(0, {}), depth: 0 }), RangeError);
    assert.throws(() => uringLoop({ ...spec(0, {}), fixedBuffers: 1 as unknown as boolean }), TypeError);
  });
});

describe('io_uring engine on a real mount', { skip: !isRoot() && 'needs root' }, () => {
  let pool: Piscina;
  before(() => {
    pool = createPool(1);
  });
  after(async () => {
    await pool.destroy();
    assertNoMountsLeft();
  });

  async function maxInFlight(init: Array<'async-dio'>): Promise<{ max: number; negotiated: boolean; ops: number }> {
    return withMount({ mode: 'parallel', init, delay: 'write=20ms' }, async ({ server, mnt, backing }) => {
      const fd = openSync(join(backing, 'f'), 'w');
      ftruncateSync(fd, 16 << 20);
      closeSync(fd);
      const w = await runWindow(
        pool,
        [{ path: join(mnt, 'f'), openFlags: O.RDWR | O.DIRECT, seed: 1, phases: [{ name: 'write', engine: 'io_uring', op: 'pwrite', blockSize: BS, pattern: 'random', offset: 0, range: 16 << 20, depth: 8, share: 1 }] }],
        300e6,
        false,
        { atBarrier: () => server.reset() },
      );
      const ph = w.outcomes[0]!.result.phases[0]!;
      assert.deepEqual(ph.errors, {});
      const wr = (await server.stats()).ops['WRITE'];
      return { max: wr?.maxInFlightPerInode ?? 0, negotiated: server.ready.init.negotiated.includes('ASYNC_DIO'), ops: ph.ops };
    });
  }

  it('one job at depth 8: 8 WRITEs in flight with ASYNC_DIO, 1 without', async (t) => {
    if (uringAvailable()) return t.skip(uringAvailable()!);
    const withAsync = await maxInFlight(['async-dio']);
    if (!withAsync.negotiated) return t.skip('the kernel does not offer ASYNC_DIO');
    assert.ok(withAsync.ops > 8, `only ${withAsync.ops} writes`);
    assert.equal(withAsync.max, 8);
    const without = await maxInFlight([]);
    assert.equal(without.max, 1);
  });
});
