// Real tools on the mount: cp -r, tar x, git init && git commit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../bench/paths.js';
import { assertNoMountsLeft, isRoot, withMount } from './helpers/mount.js';
import { requireTool } from './helpers/tools.js';
import { passthroughSkip } from './helpers/kernel.js';

const skip = !isRoot() && 'needs root';
const ptSkip = await passthroughSkip('cp, tar and git on a passthrough mount');

function sh(cmd: string, args: string[], cwd?: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}${r.error ? String(r.error) : ''}`);
  return r;
}

for (const mode of ['parallel', 'passthrough', 'cached'] as const) {
  test(`cp -r, tar x and git work on the mount (${mode})`, { skip: skip || (mode === 'passthrough' && ptSkip) }, async () => {
    await withMount({ mode }, async ({ mnt, dir }) => {
      const src = join(packageRoot(), 'bench');
      sh('cp', ['-r', src, join(mnt, 'copy')]);
      sh('diff', ['-r', src, join(mnt, 'copy')]);
      const tarball = join(dir, 'src.tar');
      sh('tar', ['cf', tarball, '-C', packageRoot(), 'bench', 'package.json']);
      sh('mkdir', [join(mnt, 'untar')]);
      sh('tar', ['xf', tarball, '-C', join(mnt, 'untar')]);
      sh('diff', ['-r', src, join(mnt, 'untar', 'bench')]);
      if (requireTool('git')) {
        const repo = join(mnt, 'untar');
        sh('git', ['init', '-q'], repo);
        sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'add', '.'], repo);
        sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qm', 'on fuse'], repo);
        const log = sh('git', ['log', '--oneline'], repo);
        assert.match(log.stdout, /on fuse/);
        sh('git', ['fsck', '--no-progress'], repo);
      }
      sh('rm', ['-rf', join(mnt, 'copy'), join(mnt, 'untar')]);
      assert.equal(existsSync(join(mnt, 'copy')), false);
    });
  });
}

test('no mount left behind', () => {
  assertNoMountsLeft();
});
