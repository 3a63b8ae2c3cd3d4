// The AddressSanitizer build of the server (native/build-asan.sh), rebuilt when a source is newer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot, serverBinary } from '../../bench/paths.js';

function newestSource(): number {
  let newest = 0;
  for (const dir of ['native/server', 'native/abi', 'native/uring']) {
    const abs = join(packageRoot(), dir);
    for (const f of readdirSync(abs)) newest = Math.max(newest, statSync(join(abs, f)).mtimeMs);
  }
  return newest;
}

export function ensureAsanBuild(): void {
  const bin = serverBinary(true);
  if (existsSync(bin) && statSync(bin).mtimeMs >= newestSource()) return;
  const b = spawnSync('bash', [join(packageRoot(), 'native', 'build-asan.sh')], { encoding: 'utf8' });
  assert.equal(b.status, 0, `ASan build failed: ${b.stderr}`);
}
