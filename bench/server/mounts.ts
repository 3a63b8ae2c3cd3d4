// Reading /proc/mounts and forcing a FUSE mount away. Never stat() a FUSE mountpoint here: a hung
// server would hang us too.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
  options: string;
}

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function readMounts(): MountEntry[] {
  const text = readFileSync('/proc/mounts', 'utf8');
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 4) continue;
    out.push({
      source: unescapeMountField(f[0]!),
      target: unescapeMountField(f[1]!),
      fstype: f[2]!,
      options: f[3]!,
    });
  }
  return out;
}

export function isMounted(mountpoint: string): boolean {
  const target = resolve(mountpoint);
  return readMounts().some((m) => m.target === target);
}

/** Mounts of ours (fstype fuse, source starting with "fusebench") still present under `prefix`. */
export function fusebenchMounts(prefix = '/'): MountEntry[] {
  return readMounts().filter(
    (m) => m.fstype.startsWith('fuse') && m.source.startsWith('fusebench') && m.target.startsWith(prefix),
  );
}

const CONNECTIONS = '/sys/fs/fuse/connections';

/**
 * Aborts a FUSE connection so every request blocked on it fails with ENOTCONN: the only way out of a
 * caching open stuck uninterruptibly behind a stalled server (docs/kernel-fuse.md "Traps", 3). Mounts fusectl
 * when it is missing and unmounts it again afterwards, so no mount of ours stays behind.
 */
export function abortConnection(connection: number): boolean {
  const dir = `${CONNECTIONS}/${connection}`;
  let mountedFusectl = false;
  if (!existsSync(dir)) {
    const empty = !existsSync(CONNECTIONS) || readdirSync(CONNECTIONS).length === 0;
    if (empty && existsSync(CONNECTIONS)) {
      const r = spawnSync('mount', ['-t', 'fusectl', 'fusectl', CONNECTIONS], { stdio: 'ignore' });
      mountedFusectl = r.status === 0;
    }
  }
  let done = false;
  try {
    if (existsSync(`${dir}/abort`)) {
      writeFileSync(`${dir}/abort`, '1');
      done = true;
    }
  } catch {
    done = false;
  } finally {
    if (mountedFusectl) spawnSync('umount', [CONNECTIONS], { stdio: 'ignore' });
  }
  return done;
}

/** Lazy unmount: detaches even when files are open or the server is gone. */
function lazyUnmount(mountpoint: string): boolean {
  const r = spawnSync('umount', ['-l', resolve(mountpoint)], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * Makes sure nothing is mounted at `mountpoint` any more: aborts the connection if we know it (a hung
 * server cannot block the unmount then), then unmounts lazily. Returns true when something had to be
 * cleaned up.
 */
export function forceUnmount(mountpoint: string, connection: number | null): boolean {
  if (!isMounted(mountpoint)) return false;
  if (connection !== null) abortConnection(connection);
  for (let i = 0; i < 5 && isMounted(mountpoint); i++) lazyUnmount(mountpoint);
  return true;
}
