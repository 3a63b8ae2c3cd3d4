// The server under AddressSanitizer: the integrity workload must run clean (no ASan report, exit 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../bench/server/process.js';
import { isMounted } from '../bench/server/mounts.js';
import { assertNoMountsLeft, isRoot, testTmpDir } from './helpers/mount.js';
import { pattern, readDirect, sha, writeDirect } from './helpers/data.js';
import { passthroughSkip } from './helpers/kernel.js';
import { isPassthroughMode } from '../bench/modes.js';
import { ensureAsanBuild } from './helpers/asan.js';

const skip = !isRoot() && 'needs root';

test('integrity workload under AddressSanitizer, in every mode', { skip, timeout: 300_000 }, async () => {
  ensureAsanBuild();
  const ptSkip = await passthroughSkip('the ASan workload in the passthrough modes');
  for (const mode of ['cached', 'direct', 'parallel', 'passthrough', 'passthrough-direct', 'passthrough-parallel'] as const) {
    if (isPassthroughMode(mode) && ptSkip) continue;
    const dir = testTmpDir('asan');
    try {
      const server = await startServer({ backing: join(dir, 'b'), mountpoint: join(dir, 'm'), mode, asan: true, readyTimeoutMs: 30_000 });
      const mnt = join(dir, 'm');
      try {
        mkdirSync(join(mnt, 'd', 'e'), { recursive: true });
        for (let i = 0; i < 5; i++) {
          const data = pattern(i + 1, 1000 * i * i + 1);
          writeFileSync(join(mnt, 'd', `f${i}`), data);
          assert.equal(sha(readFileSync(join(mnt, 'd', `f${i}`))), sha(data));
        }
        const big = pattern(42, 1 << 20);
        writeDirect(join(mnt, 'd', 'e', 'direct'), big);
        assert.equal(sha(readDirect(join(mnt, 'd', 'e', 'direct'))), sha(big));
        spawnSync('rm', ['-rf', join(mnt, 'd')]);
      } finally {
        const exit = await server.stop();
        assert.equal(isMounted(mnt), false);
        assert.doesNotMatch(server.stderr(), /AddressSanitizer|LeakSanitizer/, `ASan report in ${mode}`);
        assert.equal(exit.code, 0, `ASan server exit in ${mode}: ${exit.reason} ${server.stderr().slice(-3000)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('no mount left behind', () => {
  assertNoMountsLeft();
});

