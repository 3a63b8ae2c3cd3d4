// Directories the user names on the command line are checked before anything is started: a typo in
// --backing must not become a new, empty filesystem, and a mount must not hide what a directory holds.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { UsageError } from './errors.js';

function kind(path: string): 'missing' | 'directory' | 'other' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new UsageError(`${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** An existing directory for --backing (the files the mount passes through to); exit 2 otherwise. */
export function requireBackingDir(path: string, what = '--backing'): string {
  const p = resolve(path);
  const k = kind(p);
  if (k === 'missing') {
    throw new UsageError(`${what} ${p} does not exist: create it first (mkdir -p ${p}) or name an existing directory — fusebench does not create it, so a typo cannot turn into an empty filesystem`);
  }
  if (k === 'other') throw new UsageError(`${what} ${p} is not a directory: name the directory whose files the mount should serve`);
  return p;
}

/** An existing, empty directory to mount on, outside the backing directory; exit 2 otherwise. */
export function requireMountpoint(path: string, backing: string): string {
  const p = resolve(path);
  const k = kind(p);
  if (k === 'missing') throw new UsageError(`mountpoint ${p} does not exist: create an empty directory first (mkdir -p ${p})`);
  if (k === 'other') throw new UsageError(`mountpoint ${p} is not a directory: name an empty directory to mount on`);
  const entries = readdirSync(p);
  if (entries.length > 0) {
    const what = entries.length === 1 ? `1 entry, ${JSON.stringify(entries[0])}): the mount would hide it` : `${entries.length} entries): the mount would hide them`;
    throw new UsageError(`mountpoint ${p} is not empty (${what}; name an empty directory`);
  }
  const real = realpathSync(p);
  const base = realpathSync(backing);
  if (real === base || real.startsWith(base + sep)) {
    throw new UsageError(`mountpoint ${p} is inside the backing directory ${base}: the server would serve its own mount; mount somewhere else`);
  }
  return p;
}
