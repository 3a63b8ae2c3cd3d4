// The addon's calls for `fusebench verify` against plain files on /tmp (no FUSE): copy_file_range,
// fallocate modes, MAP_SHARED range reads and writes, concurrent writers, and their errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concurrentPwrite, copyFileRange, fallocate, FALLOC, mapRead, mapWrite } from '../bench/native/io.js';
import { pattern } from './helpers/pattern.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), `fusebench-fileops-${process.pid}-`));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function withFile(content: Buffer, fn: (fd: number, path: string) => void): void {
  const path = join(dir, `f${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, content);
  const fd = openSync(path, 'r+');
  try {
    fn(fd, path);
  } finally {
    closeSync(fd);
  }
}

test('copyFileRange copies at explicit offsets and stops at the source end', () => {
  const data = pattern(1, 10_000);
  withFile(data, (fd, path) => {
    assert.equal(copyFileRange(fd, 100, fd, 20_000, 500), 500);
    // The file now ends at 20_500: the last 100 bytes are left.
    assert.equal(copyFileRange(fd, 20_400, fd, 30_000, 1000), 100, 'short at the end of the source');
    assert.equal(copyFileRange(fd, 50_000, fd, 0, 10), 0);
    const after = readFileSync(path);
    assert.deepEqual(after.subarray(20_000, 20_500), data.subarray(100, 600));
    assert.deepEqual(after.subarray(30_000, 30_100), data.subarray(500, 600));
    assert.equal(after.length, 30_100);
  });
  assert.throws(() => copyFileRange(999_999, 0, 999_998, 0, 1), { code: 'EBADF' });
});

test('fallocate: punch hole zeroes and keeps the size, zero range grows it, plain grows it', () => {
  withFile(pattern(2, 16_384), (fd, path) => {
    fallocate(fd, FALLOC.PUNCH_HOLE | FALLOC.KEEP_SIZE, 4096, 4096);
    assert.equal(fstatSync(fd).size, 16_384);
    assert.ok(readFileSync(path).subarray(4096, 8192).every((b) => b === 0));
    fallocate(fd, FALLOC.KEEP_SIZE, 0, 65_536);
    assert.equal(fstatSync(fd).size, 16_384);
    fallocate(fd, FALLOC.ZERO_RANGE, 16_000, 1000);
    assert.equal(fstatSync(fd).size, 17_000);
    assert.ok(readFileSync(path).subarray(16_000).every((b) => b === 0));
    fallocate(fd, 0, 20_000, 100);
    assert.equal(fstatSync(fd).size, 20_100);
  });
  assert.throws(() => fallocate(0, 0, 0, 0), { code: 'ERR_OUT_OF_RANGE' });
});

test('mapWrite lands in the file (msync), mapRead reads any range, past the end is SIGBUS', () => {
  withFile(pattern(3, 3 * 4096), (fd, path) => {
    const data = pattern(4, 5000);
    mapWrite(fd, 4000, data);
    assert.deepEqual(readFileSync(path).subarray(4000, 9000), data);
    const back = Buffer.alloc(5000);
    mapRead(fd, 4000, back);
    assert.deepEqual(back, data);
    assert.throws(() => mapRead(fd, 5 * 4096, Buffer.alloc(10)), { code: 'SIGBUS' });
    assert.throws(() => mapRead(fd, 0, Buffer.alloc(0)), { code: 'ERR_OUT_OF_RANGE' });
  });
});

test('concurrentPwrite: every writer lands in its own range', () => {
  withFile(Buffer.alloc(0), (fd, path) => {
    const parts = [0, 1, 2, 3].map((i) => ({ fd, offset: i * 10_000, data: pattern(10 + i, 7_000) }));
    assert.deepEqual(concurrentPwrite(parts), [7000, 7000, 7000, 7000]);
    const got = readFileSync(path);
    for (const p of parts) assert.deepEqual(got.subarray(p.offset, p.offset + 7000), p.data);
    assert.ok(got.subarray(7000, 10_000).every((b) => b === 0));
  });
  assert.throws(() => concurrentPwrite([]), { code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => concurrentPwrite([{ fd: 999_999, offset: 0, data: Buffer.alloc(1) }]), { code: 'EBADF' });
});
