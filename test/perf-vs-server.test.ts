// `perf server --vs-server`: another FUSE server started from a command line, found mounted, and
// removed again whatever happened. fusebench-server itself stands in for the other server here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, FailError } from '../bench/cli/errors.js';
import { parseForeignSpec, startForeign } from '../bench/perf/foreign-server.js';
import { serverBinary } from '../bench/paths.js';
import { isMounted } from '../bench/server/mounts.js';
import { liveCount } from '../bench/server/registry.js';
import { isRoot, testTmpDir } from './helpers/mount.js';

test('a --vs-server spec: optional mode, both placeholders required, a readable label', () => {
  const s = parseForeignSpec('parallel=/opt/x/passthrough_hp --foreground --direct-io --nopassthrough {backing} {mountpoint}');
  assert.equal(s.ours, 'parallel');
  assert.equal(s.label, 'passthrough_hp --foreground --direct-io --nopassthrough');
  assert.equal(s.command, '/opt/x/passthrough_hp --foreground --direct-io --nopassthrough {backing} {mountpoint}');
  assert.equal(parseForeignSpec('srv --backing {backing} --mountpoint {mountpoint} -x').label, 'srv -x');
  assert.equal(parseForeignSpec('srv {backing} {mountpoint}').ours, null);
  assert.throws(() => parseForeignSpec('srv {backing} /mnt'), UsageError);
  assert.throws(() => parseForeignSpec('parallel=srv {mountpoint}'), /must contain \{backing\}/);
});

test('a foreign server is mounted, serves, and is gone after stop()', { skip: !isRoot() && 'needs root' }, async () => {
  const dir = testTmpDir('vs');
  const backing = join(dir, 'b');
  const mnt = join(dir, 'm');
  mkdirSync(backing);
  mkdirSync(mnt);
  writeFileSync(join(backing, 'hello'), 'from the backing dir');
  try {
    const spec = parseForeignSpec(`${serverBinary()} --backing {backing} --mountpoint {mountpoint} --mode direct --fsname fusebench-vs-test`);
    const f = await startForeign(spec, backing, mnt);
    assert.ok(isMounted(mnt));
    assert.equal(readFileSync(join(mnt, 'hello'), 'utf8'), 'from the backing dir');
    await f.stop();
    assert.equal(isMounted(mnt), false);
    assert.equal(liveCount(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a foreign server that exits before mounting is a clear failure, with its stderr', { skip: !isRoot() && 'needs root' }, async () => {
  const dir = testTmpDir('vs');
  try {
    const spec = parseForeignSpec(`${serverBinary()} --backing {backing} --mountpoint {mountpoint} --no-such-option`);
    await assert.rejects(startForeign(spec, join(dir, 'b'), join(dir, 'm')), (e: unknown) => {
      assert.ok(e instanceof FailError);
      assert.match(e.message, /exited \(2\).*no-such-option/s);
      return true;
    });
    assert.equal(liveCount(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
