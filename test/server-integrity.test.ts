// Data integrity through every mode: buffered and O_DIRECT writes, several files and directories,
// read back through the mount and checked against the backing files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { isPassthroughMode, MODES } from '../bench/modes.js';
import { assertNoMountsLeft, isRoot, withMount } from './helpers/mount.js';
import { pattern, readDirect, sha, writeDirect } from './helpers/data.js';
import { requireTool } from './helpers/tools.js';
import { passthroughSkip } from './helpers/kernel.js';

const SIZES = [0, 1, 4095, 4096, 65536 + 17, (1 << 20) + 4096 * 3 + 5];
// Passthrough modes run where the kernel offers passthrough and a backing file can be registered.
const ptSkip = await passthroughSkip('integrity in the passthrough modes');
const skipOf = (mode: (typeof MODES)[number]): string | false => (!isRoot() ? 'needs root' : isPassthroughMode(mode) ? ptSkip : false);

for (const mode of MODES) {
  test(`integrity: ${mode}`, { skip: skipOf(mode) }, async () => {
    await withMount({ mode }, async ({ mnt, backing, server }) => {
      mkdirSync(join(mnt, 'a', 'b'), { recursive: true });
      const files: Array<{ rel: string; data: Buffer }> = [];
      SIZES.forEach((size, i) => {
        const rel = join(i % 2 ? 'a' : join('a', 'b'), `buffered-${size}`);
        const data = pattern(i + 1, size);
        writeFileSync(join(mnt, rel), data);
        files.push({ rel, data });
      });
      const direct = pattern(99, (1 << 20) + 8192);
      writeDirect(join(mnt, 'a', 'direct.bin'), direct);
      files.push({ rel: join('a', 'direct.bin'), data: direct });
      // Overwrite in the middle and rename: the kernel's cached attributes must stay truthful.
      const mid = pattern(7, 4096);
      writeDirect(join(mnt, 'tmp.bin'), mid);
      renameSync(join(mnt, 'tmp.bin'), join(mnt, 'a', 'b', 'renamed.bin'));
      files.push({ rel: join('a', 'b', 'renamed.bin'), data: mid });

      for (const f of files) {
        const viaMount = readFileSync(join(mnt, f.rel));
        assert.equal(sha(viaMount), sha(f.data), `${f.rel} read back through the mount`);
        assert.equal(statSync(join(mnt, f.rel)).size, f.data.length, `${f.rel} size`);
        assert.equal(sha(readFileSync(join(backing, f.rel))), sha(f.data), `${f.rel} in the backing dir`);
      }
      assert.equal(sha(readDirect(join(mnt, 'a', 'direct.bin'))), sha(direct), 'O_DIRECT read back');
      assert.deepEqual(readdirSync(join(mnt, 'a')).sort(), readdirSync(join(backing, 'a')).sort());
      unlinkSync(join(mnt, 'a', 'b', 'renamed.bin'));
      mkdirSync(join(mnt, 'gone'));
      rmdirSync(join(mnt, 'gone'));
      const stats = await server.stats();
      assert.ok((stats.ops['WRITE']?.count ?? 0) > 0 || mode.startsWith('passthrough'), 'the server saw WRITEs');
      assert.equal(stats.ops['WRITE']?.errors ?? 0, 0);
    });
  });
}

test('integrity: fio --verify=crc32c, 4 jobs, in every mode the kernel can run', { skip: !isRoot() && 'needs root' }, async (t) => {
  if (!requireTool('fio')) return t.skip('fio missing');
  for (const mode of MODES.filter((m) => skipOf(m) === false)) {
    await withMount({ mode }, async ({ mnt }) => {
      const r = spawnSync(
        'fio',
        ['--name=verify', `--directory=${mnt}`, '--size=8M', '--bs=4k', '--rw=randwrite', '--direct=1', '--numjobs=4',
          '--ioengine=psync', '--verify=crc32c', '--verify_fatal=1', '--verify_state_save=0', '--do_verify=1', '--group_reporting', '--output-format=json'],
        { encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(r.status, 0, `fio in ${mode}: ${r.stderr}\n${r.stdout.slice(-2000)}`);
      const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: Array<{ error: number }> };
      assert.equal(out.jobs[0]!.error, 0, `fio verify error in ${mode}`);
    });
  }
});

test('no mount left behind', () => {
  assertNoMountsLeft();
});
