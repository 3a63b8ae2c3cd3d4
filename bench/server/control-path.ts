// Every server's control socket lives at a path derived from its mountpoint, so `fusebench stats
// MOUNTPOINT` finds it without any other bookkeeping.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

function runtimeDir(): string {
  if (process.getuid?.() === 0) return '/run/fusebench';
  const xdg = process.env['XDG_RUNTIME_DIR'];
  return join(xdg && xdg !== '' ? xdg : tmpdir(), 'fusebench');
}

export function controlPathFor(mountpoint: string, create = false): string {
  const dir = runtimeDir();
  if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const h = createHash('sha256').update(resolve(mountpoint)).digest('hex').slice(0, 20);
  return join(dir, `ctl-${h}.sock`);
}
