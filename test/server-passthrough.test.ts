// Passthrough really bypasses the server for reads; a cached open of an inode in passthrough fails
// with EIO and the server keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoMountsLeft, isRoot, withMount } from './helpers/mount.js';
import { pattern, sha } from './helpers/data.js';

const skip = !isRoot() && 'needs root';
const DATA = pattern(5, 3 << 20);

test('passthrough: reads send no READ to the server', { skip }, async (t) => {
  await withMount({ mode: 'passthrough' }, async ({ server, mnt, backing }) => {
    if (!server.ready.passthrough.usable) return t.skip(`passthrough unusable: ${server.ready.passthrough.reason}`);
    writeFileSync(join(backing, 'f'), DATA);
    await server.reset();
    assert.equal(sha(readFileSync(join(mnt, 'f'))), sha(DATA));
    const s = await server.stats();
    assert.ok((s.ops['OPEN']?.count ?? 0) >= 1, 'the open went to the server');
    assert.equal(s.ops['READ']?.count ?? 0, 0, 'READ requests reached the server');
  });
});

test('passthrough-direct: reads reach the server', { skip }, async (t) => {
  await withMount({ mode: 'passthrough-direct' }, async ({ server, mnt, backing }) => {
    if (!server.ready.passthrough.usable) return t.skip(`passthrough unusable: ${server.ready.passthrough.reason}`);
    writeFileSync(join(backing, 'f'), DATA);
    await server.reset();
    assert.equal(sha(readFileSync(join(mnt, 'f'))), sha(DATA));
    const s = await server.stats();
    assert.ok((s.ops['READ']?.count ?? 0) > 0, 'no READ reached the server');
  });
});

test('a cached open of an inode open in passthrough fails with EIO; the server keeps serving', { skip }, async (t) => {
  await withMount({ mode: 'passthrough' }, async ({ server, mnt, backing }) => {
    if (!server.ready.passthrough.usable) return t.skip(`passthrough unusable: ${server.ready.passthrough.reason}`);
    writeFileSync(join(backing, 'f'), DATA);
    const pt = openSync(join(mnt, 'f'), 'r');
    try {
      await server.setPolicy({ mode: 'cached' });
      assert.throws(() => openSync(join(mnt, 'f'), 'r'), (e: NodeJS.ErrnoException) => e.code === 'EIO');
      await server.setPolicy({ mode: 'direct' });
      assert.throws(() => openSync(join(mnt, 'f'), 'r'), (e: NodeJS.ErrnoException) => e.code === 'EIO');
    } finally {
      closeSync(pt);
    }
    // Still serving: other files and, after the passthrough open closed, this one in any mode.
    writeFileSync(join(mnt, 'g'), 'still here');
    assert.equal(readFileSync(join(mnt, 'g'), 'utf8'), 'still here');
    assert.equal(sha(readFileSync(join(mnt, 'f'))), sha(DATA));
    const s = await server.stats();
    assert.ok((s.ops['RELEASE']?.count ?? 0) >= 2, 'the server saw the RELEASE of the refused opens');
  });
});

test('no mount left behind', () => {
  assertNoMountsLeft();
});
