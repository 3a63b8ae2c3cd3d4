// What this kernel offers, learned the only trustworthy way: mount our server once and read INIT.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../server/process.js';
import type { ReadyInfo } from '../server/types.js';

export async function readKernelOffer(): Promise<ReadyInfo> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-env-'));
  try {
    const s = await startServer({
      backing: join(dir, 'backing'),
      mountpoint: join(dir, 'mnt'),
      mode: 'parallel',
      readyTimeoutMs: 10_000,
    });
    await s.stop();
    return s.ready;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
