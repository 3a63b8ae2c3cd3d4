// The native I/O addon against plain files on /tmp (no FUSE): op counts, file sizes and contents,
// errno counting, mmap faults and SIGBUS, AIO, aligned buffers, async variants, spec validation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, fstatSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  O,
  aioLoop,
  aioLoopAsync,
  alignedBuffer,
  closeFile,
  ioLoop,
  ioLoopAsync,
  mapFile,
  mmapLoop,
  mmapLoopAsync,
  monotonicNs,
  openFile,
  resetCursor,
  touchMapping,
  unmapFile,
  type LoopResult,
  type LoopSpec,
} from '../bench/native/io.js';

const BS = 4096;
const PAGE = 4096;
let dir = '';
let seq = 0;

function file(size = 0): string {
  const p = join(dir, `f${seq++}.dat`);
  writeFileSync(p, Buffer.alloc(0));
  if (size > 0) truncateTo(p, size);
  return p;
}

function truncateTo(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

function withFd<T>(path: string, flags: number, fn: (fd: number) => T): T {
  const fd = openFile(path, flags);
  try {
    return fn(fd);
  } finally {
    closeFile(fd);
  }
}

function spec(fd: number, over: Partial<LoopSpec>): LoopSpec {
  return { fd, op: 'pwrite', blockSize: BS, pattern: 'random', offset: 0, range: 16 * BS, maxOps: 10, deadlineNs: 0, seed: 1, ...over };
}

function assertShape(r: LoopResult): void {
  assert.equal(typeof r.ops, 'number');
  assert.equal(typeof r.bytes, 'number');
  assert.ok(r.latenciesNs instanceof Float64Array);
  assert.equal(r.latenciesNs.length, r.ops);
  assert.equal(typeof r.errors, 'object');
  assert.ok(r.endNs >= r.startNs, 'endNs >= startNs');
  for (const v of r.latenciesNs) assert.ok(Number.isInteger(v) && v >= 0, `latency ${v} is a non-negative integer`);
}

/** Whether this filesystem accepts O_DIRECT (tmpfs before 6.6 did not). */
function directSupported(): boolean {
  try {
    closeFile(openFile(file(), O.RDWR | O.DIRECT));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EINVAL') return false;
    throw e;
  }
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fusebench-io-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('ioLoop', () => {
  it('pwrite random: maxOps ops inside a pre-sized range, file size unchanged', () => {
    const p = file(16 * BS);
    const r = withFd(p, O.RDWR, (fd) => ioLoop(spec(fd, { maxOps: 100 })));
    assertShape(r);
    assert.equal(r.ops, 100);
    assert.equal(r.bytes, 100 * BS);
    assert.deepEqual(r.errors, {});
    assert.equal(statSync(p).size, 16 * BS);
    assert.equal(r.startsNs, undefined);
  });

  it('pwrite random with an offset stays inside [offset, offset+range)', () => {
    const p = file();
    const r = withFd(p, O.RDWR, (fd) => ioLoop(spec(fd, { offset: 8 * BS, range: 4 * BS, maxOps: 200, fill: 0xab })));
    assert.equal(r.ops, 200);
    const data = readFileSync(p);
    assert.equal(data.length, 12 * BS, 'the last block of the range was written (200 draws over 4 blocks)');
    assert.ok(data.subarray(0, 8 * BS).every((b) => b === 0), 'nothing written below the range');
    assert.ok(data.subarray(8 * BS).every((b) => b === 0xab), 'the whole range holds the fill byte');
  });

  it('pwrite sequential wraps inside the range and writes the fill byte', () => {
    const p = file();
    const r = withFd(p, O.RDWR, (fd) => ioLoop(spec(fd, { pattern: 'sequential', range: 16 * BS, maxOps: 40, fill: 0x5a })));
    assert.equal(r.ops, 40);
    assert.equal(r.bytes, 40 * BS);
    const data = readFileSync(p);
    assert.equal(data.length, 16 * BS);
    assert.ok(data.every((b) => b === 0x5a));
  });

  it('the default fill is a seed-derived pattern, not zeros', () => {
    const a = file();
    const b = file();
    withFd(a, O.RDWR, (fd) => ioLoop(spec(fd, { pattern: 'sequential', range: BS, maxOps: 1, seed: 7 })));
    withFd(b, O.RDWR, (fd) => ioLoop(spec(fd, { pattern: 'sequential', range: BS, maxOps: 1, seed: 8 })));
    const da = readFileSync(a);
    assert.ok(da.some((x) => x !== 0));
    assert.notDeepEqual(da, readFileSync(b));
  });

  it('pwrite extend grows the file by maxOps * blockSize from offset', () => {
    const p = file(3 * BS);
    const r = withFd(p, O.RDWR, (fd) => ioLoop(spec(fd, { pattern: 'extend', offset: 3 * BS, range: 0, maxOps: 25 })));
    assert.equal(r.ops, 25);
    assert.equal(statSync(p).size, 3 * BS + 25 * BS);
  });

  it('extend with a shared cursor continues where the previous loop stopped', async () => {
    const p = file();
    resetCursor(9, 2 * BS);
    const r1 = withFd(p, O.RDWR, (fd) => ioLoop(spec(fd, { pattern: 'extend', range: 0, maxOps: 5, cursor: 9 })));
    assert.equal(statSync(p).size, 7 * BS);
    // Two loops at once (pool threads) draw from the same cursor: no block is written twice.
    const fd = openFile(p, O.RDWR);
    try {
      const rs = await Promise.all([
        ioLoopAsync(spec(fd, { pattern: 'extend', range: 0, maxOps: 50, cursor: 9, fill: 1 })),
        aioLoopAsync({ ...spec(fd, { pattern: 'extend', range: 0, maxOps: 50, cursor: 9, fill: 2 }), depth: 4 }),
      ]);
      assert.deepEqual(rs.map((r) => r.ops), [50, 50]);
    } finally {
      closeFile(fd);
    }
    assert.equal(r1.ops, 5);
    assert.equal(statSync(p).size, 107 * BS);
    const data = readFileSync(p);
    let ones = 0;
    let twos = 0;
    for (let b = 7; b < 107; b++) {
      const blk = data.subarray(b * BS, (b + 1) * BS);
      assert.ok(blk.every((x) => x === blk[0]), `block ${b} was written whole by one loop`);
      if (blk[0] === 1) ones++;
      else if (blk[0] === 2) twos++;
    }
    assert.deepEqual([ones, twos], [50, 50]);
  });

  it('O_DIRECT pwrite and pread work with the loop buffers', (t) => {
    if (!directSupported()) {
      t.skip(`O_DIRECT not supported on ${tmpdir()}`);
      return;
    }
    const p = file(64 * BS);
    withFd(p, O.RDWR | O.DIRECT, (fd) => {
      const w = ioLoop(spec(fd, { range: 64 * BS, maxOps: 50 }));
      assert.equal(w.ops, 50);
      assert.deepEqual(w.errors, {});
      const r = ioLoop(spec(fd, { op: 'pread', pattern: 'sequential', range: 64 * BS, maxOps: 64, blockSize: 2 * BS }));
      assert.equal(r.ops, 64);
      assert.deepEqual(r.errors, {});
    });
  });

  it('O_DIRECT with a misaligned block size is counted as EINVAL, not thrown', (t) => {
    if (!directSupported()) {
      t.skip(`O_DIRECT not supported on ${tmpdir()}`);
      return;
    }
    const p = file(64 * BS);
    const r = withFd(p, O.RDWR | O.DIRECT, (fd) => ioLoop(spec(fd, { blockSize: 100, range: 1000, maxOps: 7 })));
    assert.equal(r.ops, 0);
    assert.deepEqual(r.errors, { EINVAL: 7 });
  });

  it('pread of a short file counts SHORT for the partial block and the one at EOF', () => {
    const p = file(BS + 100);
    const r = withFd(p, O.RDONLY, (fd) => ioLoop(spec(fd, { op: 'pread', pattern: 'sequential', range: 3 * BS, maxOps: 3 })));
    assert.equal(r.ops, 1);
    assert.equal(r.bytes, BS);
    assert.deepEqual(r.errors, { SHORT: 2 });
  });

  it('pwrite on an O_RDONLY fd counts EBADF for every attempt and does not throw', () => {
    const p = file(16 * BS);
    const r = withFd(p, O.RDONLY, (fd) => ioLoop(spec(fd, { maxOps: 33 })));
    assert.equal(r.ops, 0);
    assert.equal(r.bytes, 0);
    assert.equal(r.latenciesNs.length, 0);
    assert.deepEqual(r.errors, { EBADF: 33 });
  });

  it('a deadline stops an unlimited loop; one already past runs nothing', () => {
    const p = file(16 * BS);
    withFd(p, O.RDONLY, (fd) => {
      const deadlineNs = monotonicNs() + 20e6;
      const r = ioLoop(spec(fd, { op: 'pread', maxOps: 0, deadlineNs }));
      assert.ok(r.ops > 0);
      assert.ok(r.endNs >= deadlineNs, 'the loop ran until the deadline');
      const none = ioLoop(spec(fd, { op: 'pread', maxOps: 0, deadlineNs: monotonicNs() - 1 }));
      assert.equal(none.ops, 0);
      assert.deepEqual(none.errors, {});
    });
  });

  it('recordStarts returns one start per successful op, inside [startNs, endNs], in order', () => {
    const p = file(16 * BS);
    const r = withFd(p, O.RDWR, (fd) => ioLoop(spec(fd, { maxOps: 50, recordStarts: true })));
    assert.ok(r.startsNs instanceof Float64Array);
    assert.equal(r.startsNs.length, 50);
    let prev = r.startNs;
    r.startsNs.forEach((s, i) => {
      assert.ok(Number.isInteger(s));
      assert.ok(s >= prev, `start ${i} is not before the previous one`);
      assert.ok(s + r.latenciesNs[i]! <= r.endNs);
      prev = s;
    });
  });

  it('runs inside a worker thread (the addon is context-aware)', async () => {
    const p = file(16 * BS);
    const ioUrl = new URL('../bench/native/io.js', import.meta.url).href;
    const code = `
      import { parentPort, workerData } from 'node:worker_threads';
      const io = await import(workerData.ioUrl);
      const fd = io.openFile(workerData.path, io.O.RDWR);
      const r = io.ioLoop({ fd, op: 'pwrite', blockSize: 4096, pattern: 'random', offset: 0, range: 65536, maxOps: 20, deadlineNs: 0, seed: 3 });
      io.closeFile(fd);
      parentPort.postMessage({ ops: r.ops, lat: r.latenciesNs }, [r.latenciesNs.buffer]);
    `;
    const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData: { ioUrl, path: p } });
    const msg = await new Promise<{ ops: number; lat: Float64Array }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    assert.equal(msg.ops, 20);
    assert.equal(msg.lat.length, 20, 'the latency buffer is transferable');
  });
});

describe('spec validation (programming errors throw)', () => {
  it('rejects malformed specs with TypeError / RangeError', () => {
    const p = file(16 * BS);
    withFd(p, O.RDWR, (fd) => {
      assert.throws(() => ioLoop({ ...spec(fd, {}), op: 'write' as 'pwrite' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
      assert.throws(() => ioLoop({ ...spec(fd, {}), pattern: 'zigzag' as 'random' }), TypeError);
      assert.throws(() => ioLoop({ ...spec(fd, {}), blockSize: 0 }), RangeError);
      assert.throws(() => ioLoop({ ...spec(fd, {}), blockSize: 1.5 }), RangeError);
      assert.throws(() => ioLoop({ ...spec(fd, {}), fd: -1 }), RangeError);
      assert.throws(() => ioLoop(spec(fd, { range: BS - 1 })), /range/);
      assert.throws(() => ioLoop(spec(fd, { maxOps: 0, deadlineNs: 0 })), /deadlineNs/);
      assert.throws(() => ioLoop(spec(fd, { fill: 256 })), RangeError);
      assert.throws(() => ioLoop(spec(fd, { cursor: 1 })), /extend/);
      assert.throws(() => ioLoop({ ...spec(fd, {}), seed: undefined as unknown as number }), TypeError);
      assert.throws(() => aioLoop({ ...spec(fd, {}), depth: 0 }), RangeError);
      assert.throws(() => mmapLoop({ fd, op: 'read', offset: 1, length: PAGE, pattern: 'sequential', maxOps: 1, deadlineNs: 0, seed: 1 }), /page size/);
      // A loop spec that is not an object at all.
      assert.throws(() => ioLoop(null as unknown as LoopSpec), TypeError);
    });
  });

  it('async variants reject instead of throwing', async () => {
    await assert.rejects(ioLoopAsync(spec(3, { blockSize: -1 })), RangeError);
    await assert.rejects(aioLoopAsync({ ...spec(3, {}), depth: 1, maxOps: 0 }), RangeError);
    await assert.rejects(mmapLoopAsync({ fd: 3, op: 'read', offset: 0, length: 0, pattern: 'random', maxOps: 1, deadlineNs: 0, seed: 1 }), RangeError);
  });
});

describe('mmapLoop', () => {
  it('one pass over a regular file = one touch per page; further passes fault again', () => {
    const p = file(16 * PAGE);
    withFd(p, O.RDWR, (fd) => {
      for (const pattern of ['sequential', 'random'] as const) {
        const one = mmapLoop({ fd, op: 'read', offset: 0, length: 16 * PAGE, pattern, maxOps: 16, deadlineNs: 0, seed: 5 });
        assertShape(one);
        assert.equal(one.ops, 16);
        assert.equal(one.bytes, 16 * PAGE);
        assert.deepEqual(one.errors, {});
        const three = mmapLoop({ fd, op: 'read', offset: 0, length: 16 * PAGE, pattern, maxOps: 48, deadlineNs: 0, seed: 5, recordStarts: true });
        assert.equal(three.ops, 48);
        assert.equal(three.startsNs?.length, 48);
      }
    });
  });

  it('write touches store into every page of the file', () => {
    const p = file(8 * PAGE);
    const r = withFd(p, O.RDWR, (fd) =>
      mmapLoop({ fd, op: 'write', offset: 4 * PAGE, length: 4 * PAGE, pattern: 'random', maxOps: 4, deadlineNs: 0, seed: 42 }),
    );
    assert.equal(r.ops, 4);
    const data = readFileSync(p);
    for (let pg = 0; pg < 8; pg++) assert.equal(data[pg * PAGE], pg < 4 ? 0 : 42 | 1, `first byte of page ${pg}`);
  });

  it('mmap of an O_WRONLY fd records EACCES, ops 0, no throw', () => {
    const p = file(4 * PAGE);
    const r = withFd(p, O.WRONLY, (fd) => mmapLoop({ fd, op: 'read', offset: 0, length: 4 * PAGE, pattern: 'sequential', maxOps: 4, deadlineNs: 0, seed: 1 }));
    assertShape(r);
    assert.equal(r.ops, 0);
    assert.deepEqual(r.errors, { EACCES: 1 });
  });

  it('touches beyond EOF count SIGBUS and the process survives', async () => {
    const p = file(2 * PAGE);
    const fd = openFile(p, O.RDWR);
    try {
      const r = mmapLoop({ fd, op: 'read', offset: 0, length: 6 * PAGE, pattern: 'sequential', maxOps: 12, deadlineNs: 0, seed: 1 });
      assert.equal(r.ops, 4, 'two pages inside the file, twice');
      assert.deepEqual(r.errors, { SIGBUS: 8 });
      // The same on a pool thread (its own jump buffer).
      const a = await mmapLoopAsync({ fd, op: 'write', offset: 0, length: 6 * PAGE, pattern: 'random', maxOps: 6, deadlineNs: 0, seed: 2 });
      assert.equal(a.ops, 2);
      assert.deepEqual(a.errors, { SIGBUS: 4 });
    } finally {
      closeFile(fd);
    }
  });
});

describe('aioLoop', () => {
  it('depth 8 completes maxOps writes and reads', () => {
    const direct = directSupported();
    const p = file(256 * BS);
    withFd(p, O.RDWR | (direct ? O.DIRECT : 0), (fd) => {
      const w = aioLoop({ ...spec(fd, { range: 256 * BS, maxOps: 200 }), depth: 8 });
      assertShape(w);
      assert.equal(w.ops, 200);
      assert.equal(w.bytes, 200 * BS);
      assert.deepEqual(w.errors, {});
      const r = aioLoop({ ...spec(fd, { op: 'pread', pattern: 'sequential', range: 256 * BS, maxOps: 300, recordStarts: true }), depth: 8 });
      assert.equal(r.ops, 300);
      assert.equal(r.startsNs?.length, 300);
    });
  });

  it('extend with depth 4 grows the file by maxOps * blockSize', () => {
    const p = file();
    const r = withFd(p, O.RDWR, (fd) => aioLoop({ ...spec(fd, { pattern: 'extend', range: 0, maxOps: 40 }), depth: 4 }));
    assert.equal(r.ops, 40);
    assert.equal(statSync(p).size, 40 * BS);
  });

  it('submission errors are counted per attempt (EBADF on an O_RDONLY fd)', () => {
    const p = file(16 * BS);
    const r = withFd(p, O.RDONLY, (fd) => aioLoop({ ...spec(fd, { maxOps: 21 }), depth: 8 }));
    assert.equal(r.ops, 0);
    assert.deepEqual(r.errors, { EBADF: 21 });
  });

  it('a short file gives SHORT completions', () => {
    const p = file(2 * BS);
    const r = withFd(p, O.RDONLY, (fd) => aioLoop({ ...spec(fd, { op: 'pread', pattern: 'sequential', range: 4 * BS, maxOps: 8 }), depth: 2 }));
    assert.equal(r.ops, 4);
    assert.deepEqual(r.errors, { SHORT: 4 });
  });
});

describe('async variants', () => {
  it('resolve with the same shape as the synchronous loops', async () => {
    const p = file(16 * PAGE);
    const fd = openFile(p, O.RDWR);
    try {
      const [io, aio, mm] = await Promise.all([
        ioLoopAsync(spec(fd, { maxOps: 30, recordStarts: true })),
        aioLoopAsync({ ...spec(fd, { op: 'pread', maxOps: 30 }), depth: 4 }),
        mmapLoopAsync({ fd, op: 'read', offset: 0, length: 16 * PAGE, pattern: 'sequential', maxOps: 16, deadlineNs: 0, seed: 1 }),
      ]);
      const sync = ioLoop(spec(fd, { maxOps: 30, recordStarts: true }));
      for (const r of [io, aio, mm]) assertShape(r);
      assert.deepEqual(Object.keys(io).sort(), Object.keys(sync).sort());
      assert.deepEqual([io.ops, aio.ops, mm.ops], [30, 30, 16]);
      assert.equal(io.startsNs?.length, 30);
      const deadlineNs = monotonicNs() + 10e6;
      const timed = await ioLoopAsync(spec(fd, { op: 'pread', maxOps: 0, deadlineNs }));
      assert.ok(timed.ops > 0 && timed.endNs >= deadlineNs);
    } finally {
      closeFile(fd);
    }
  });
});

describe('files, buffers, mappings, clock', () => {
  it('openFile throws Node-style errors with code and errno', () => {
    assert.throws(() => openFile(join(dir, 'missing', 'x'), O.RDONLY), (e: NodeJS.ErrnoException) => {
      assert.equal(e.code, 'ENOENT');
      assert.equal(e.errno, 2);
      assert.equal(e.syscall, 'open');
      assert.match(e.message, /^ENOENT: /);
      return true;
    });
    const p = file();
    assert.throws(() => openFile(p, O.CREAT | O.EXCL | O.RDWR), { code: 'EEXIST' });
    const fd = openFile(join(dir, 'created.dat'), O.CREAT | O.RDWR, 0o600);
    assert.equal(fstatSync(fd).mode & 0o777, 0o600 & ~process.umask());
    closeFile(fd);
    assert.throws(() => closeFile(fd), { code: 'EBADF' });
    assert.throws(() => openFile(p, 1.5), RangeError);
  });

  it('alignedBuffer memory is accepted by an O_DIRECT write; a misaligned Buffer is not', (t) => {
    if (!directSupported()) {
      t.skip(`O_DIRECT not supported on ${tmpdir()}`);
      return;
    }
    const buf = alignedBuffer(4096);
    assert.equal(buf.length, 4096);
    assert.ok(buf.every((b) => b === 0));
    buf.fill(0x77);
    const big = alignedBuffer(3 * 4096, 8192);
    const p = file();
    withFd(p, O.RDWR | O.DIRECT, (fd) => {
      assert.equal(writeSync(fd, buf, 0, 4096, 0), 4096);
      assert.equal(writeSync(fd, big, 0, big.length, 4096), big.length);
      // Control: the same write from a deliberately misaligned address fails, so the check above means something.
      const odd = Buffer.allocUnsafeSlow(4096 + 1).subarray(1);
      assert.throws(() => writeSync(fd, odd, 0, 4096, 0), { code: 'EINVAL' });
    });
    assert.equal(readFileSync(p).subarray(0, 4096).every((b) => b === 0x77), true);
    assert.throws(() => alignedBuffer(0), RangeError);
    assert.throws(() => alignedBuffer(4096, 3000), RangeError);
  });

  it('mapFile / touchMapping / unmapFile', () => {
    const p = file(2 * PAGE);
    writeFileSync(p, Buffer.alloc(2 * PAGE, 9));
    withFd(p, O.RDWR, (fd) => {
      const h = mapFile(fd, 4 * PAGE, { shared: true, write: true });
      touchMapping(h, 0, false);
      touchMapping(h, PAGE + 5, true);
      assert.throws(() => touchMapping(h, 3 * PAGE, false), { code: 'SIGBUS' });
      assert.throws(() => touchMapping(h, 4 * PAGE, false), RangeError);
      unmapFile(h);
      assert.throws(() => unmapFile(h), RangeError);
      assert.throws(() => touchMapping(h, 0, false), RangeError);
      const ro = mapFile(fd, PAGE, { shared: false, write: false, offset: PAGE });
      assert.throws(() => touchMapping(ro, 0, true), TypeError);
      touchMapping(ro, 0, false);
      unmapFile(ro);
    });
    assert.ok(readFileSync(p).every((b) => b === 9), 'a write touch leaves the content unchanged');
    withFd(p, O.WRONLY, (fd) => {
      assert.throws(() => mapFile(fd, PAGE, { shared: true, write: false }), { code: 'EACCES', syscall: 'mmap' });
    });
  });

  it('monotonicNs is an integer clock that moves forward', () => {
    const a = monotonicNs();
    const b = monotonicNs();
    assert.ok(Number.isInteger(a) && b >= a);
  });

  it('O holds the Linux open flags', () => {
    assert.equal(O.RDONLY, 0);
    assert.equal(O.WRONLY, 1);
    assert.equal(O.RDWR, 2);
    assert.equal(O.DIRECT, 0o40000);
    assert.ok(Object.isFrozen(O));
  });
});
