// The control socket's per-inode counts (`inodes`), which let the lattice run many files in one mount.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoMountsLeft, isRoot, withMount } from './helpers/mount.js';

after(() => {
  if (isRoot()) assertNoMountsLeft();
});

test('inodes: WRITE counts per file, keyed by st_ino; bad requests are refused', { skip: isRoot() ? false : 'needs root' }, async () => {
  await withMount({ mode: 'direct', maxBackground: 256 }, async ({ server, mnt }) => {
    assert.equal(server.ready.init.maxBackground, 256, '--max-background goes into the INIT reply');
    assert.equal(server.ready.init.congestionThreshold, 192);
    const writes = { a: 3, b: 1 };
    for (const [name, n] of Object.entries(writes)) {
      const fd = openSync(join(mnt, name), 'w');
      for (let i = 0; i < n; i++) writeSync(fd, Buffer.alloc(512, 1), 0, 512, i * 512);
      closeSync(fd);
    }
    const list = await server.inodes('WRITE');
    for (const [name, n] of Object.entries(writes)) {
      const e = list.find((x) => x.ino === statSync(join(mnt, name)).ino);
      assert.ok(e, `no entry for ${name}`);
      assert.equal(e.count, n);
      assert.equal(e.maxInFlight, 1);
      assert.equal(e.inFlight, 0);
    }
    await server.reset();
    assert.ok((await server.inodes('write')).every((x) => x.count === 0), 'reset zeroes the counts (any case opcode name)');
    await assert.rejects(server.inodes('NOT_AN_OP'), /unknown opcode/);
  });
});
