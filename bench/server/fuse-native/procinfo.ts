// Facts about our own mount and the loaded libfuse, read from /proc (never by touching the mount).
import { readFileSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * The FUSE connection number of the mount at `mountpoint` (the name of its directory under
 * /sys/fs/fuse/connections): the device number of the superblock, from /proc/self/mountinfo.
 */
export function connectionOf(mountpoint: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): number | null {
  const target = resolve(mountpoint);
  let found: number | null = null;
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length < 5 || unescape(f[4]!) !== target) continue;
    const dash = f.indexOf('-');
    if (dash < 0 || !(f[dash + 1] ?? '').startsWith('fuse')) continue;
    const m = /^(\d+):(\d+)$/.exec(f[2]!);
    // The kernel's internal dev_t: major in the top 12 bits, minor in the low 20.
    if (m) found = (Number(m[1]) << 20) | Number(m[2]);
  }
  return found;
}

/** Whether `mountpoint` is still a FUSE mount in our namespace. */
export function stillMounted(mountpoint: string, mountinfo: string): boolean {
  return connectionOf(mountpoint, mountinfo) !== null;
}

/** libfuse's version from the shared object this process loaded (e.g. "2.9.9"), or null. */
export function loadedLibfuseVersion(maps = readFileSync('/proc/self/maps', 'utf8')): string | null {
  for (const line of maps.split('\n')) {
    const i = line.indexOf('/');
    if (i < 0) continue;
    const path = line.slice(i).trim();
    if (!/\/libfuse\.so/.test(path)) continue;
    let real = path;
    try {
      real = realpathSync(path);
    } catch {
      /* keep the mapped name */
    }
    const m = /libfuse\.so\.(\d+(?:\.\d+)*)/.exec(basename(real));
    return m ? m[1]! : basename(real);
  }
  return null;
}
