// A real mount of our server in a temporary directory, always unmounted and removed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startServer, type ServerHandle } from '../../bench/server/process.js';
import { fusebenchMounts, isMounted } from '../../bench/server/mounts.js';
import type { ServerOptions } from '../../bench/server/types.js';

export interface TestMount {
  server: ServerHandle;
  mnt: string;
  backing: string;
  dir: string;
}

export async function withMount<T>(
  opts: Omit<ServerOptions, 'backing' | 'mountpoint'>,
  fn: (m: TestMount) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-test-'));
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

/** Fails when any fusebench mount is left below the temp directory. */
export function assertNoMountsLeft(): void {
  const left = fusebenchMounts(tmpdir());
  assert.deepEqual(left.map((m) => m.target), [], 'fusebench mounts left behind');
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
