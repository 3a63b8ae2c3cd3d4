// A real mount of our server in a temporary directory, always unmounted and removed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startServer, type ServerHandle } from '../../bench/server/process.js';
import { fusebenchMounts, isMounted } from '../../bench/server/mounts.js';
import { liveCount } from '../../bench/server/registry.js';
import type { ServerOptions } from '../../bench/server/types.js';

export interface TestMount {
  server: ServerHandle;
  mnt: string;
  backing: string;
  dir: string;
}

/** Temp dirs of this test process share a prefix, so the leak check sees only our own mounts. */
export function testTmpDir(tag = 'test'): string {
  return mkdtempSync(join(tmpdir(), `fusebench-${tag}-${process.pid}-`));
}

export async function withMount<T>(
  opts: Omit<ServerOptions, 'backing' | 'mountpoint'>,
  fn: (m: TestMount) => Promise<T>,
): Promise<T> {
  const dir = testTmpDir();
  const backing = join(dir, 'backing');
  const mnt = join(dir, 'mnt');
  const server = await startServer({ ...opts, backing, mountpoint: mnt });
  try {
    return await fn({ server, mnt, backing, dir });
  } finally {
    await server.stop();
    assert.equal(isMounted(mnt), false, `${mnt} still mounted after stop()`);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fails when a mount made by this test process is left, or a server it started still runs. */
export function assertNoMountsLeft(): void {
  const left = fusebenchMounts(tmpdir()).filter((m) => m.target.includes(`-${process.pid}-`));
  assert.deepEqual(left.map((m) => m.target), [], 'fusebench mounts left behind');
  assert.equal(liveCount(), 0, 'servers still running');
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
