// writeBatchAsync: many writer groups released together, each writer's outcome reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { O, writeBatchAsync } from '../bench/native/io.js';
import { testTmpDir } from './helpers/mount.js';

test('writeBatchAsync writes every round of every writer and reports failures per writer', async () => {
  const dir = testTmpDir('wb');
  try {
    const a = openSync(join(dir, 'a'), O.RDWR | O.CREAT);
    const ro = openSync(join(dir, 'a'), O.RDONLY);
    try {
      const r = await writeBatchAsync({
        blockSize: 4096,
        rounds: 3,
        groups: [
          { engine: 'psync', writers: [0, 1].map((w) => ({ fd: a, offsets: [0, 1, 2].map((r) => (r * 2 + w) * 4096) })) },
          { engine: 'libaio', writers: [{ fd: a, offsets: [24576, 28672, 32768] }, { fd: ro, offsets: [0, 0, 0] }] },
        ],
      });
      assert.equal(r.setupError, null);
      assert.deepEqual(r.groups[0]!.writers, [{ ok: 3, error: null }, { ok: 3, error: null }]);
      assert.deepEqual(r.groups[1]!.writers, [{ ok: 3, error: null }, { ok: 0, error: 'EBADF' }]);
      assert.equal(readFileSync(join(dir, 'a')).length, 36864);
    } finally {
      closeSync(a);
      closeSync(ro);
    }
    await assert.rejects(writeBatchAsync({ blockSize: 4096, rounds: 2, groups: [{ engine: 'psync', writers: [{ fd: 1, offsets: [0] }] }] }), /one offset per round/);
    await assert.rejects(writeBatchAsync({ blockSize: 4096, rounds: 1, groups: [{ engine: 'psync', writers: [] }] }), /1\.\.64 writers/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
