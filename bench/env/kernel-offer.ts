// What this kernel offers, learned the only trustworthy way: mount our server once and read INIT.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../server/process.js';
import type { ReadyInfo, ServerOptions } from '../server/types.js';

/** `extra`: server options for the trial mount (e.g. `{ transport: 'uring' }` to learn whether it is negotiated). */
export async function readKernelOffer(extra: Partial<Omit<ServerOptions, 'backing' | 'mountpoint'>> = {}): Promise<ReadyInfo> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-env-'));
  try {
    const s = await startServer({
      backing: join(dir, 'backing'),
      mountpoint: join(dir, 'mnt'),
      mode: 'parallel',
      readyTimeoutMs: 10_000,
      ...extra,
    });
    await s.stop();
    return s.ready;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
