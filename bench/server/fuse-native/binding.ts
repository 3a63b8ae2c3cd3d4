// Loading fuse-native (an optional dependency: libfuse 2's high-level API, handlers in JavaScript)
// and the slice of its API we use. It ships no types; these are written from its documented API.
import { createRequire } from 'node:module';

export type Cb0 = (err: number) => void;
export type CbFd = (err: number, fh?: number) => void;
/** read/write reply with the byte count (>= 0) or a negative errno. */
export type CbN = (n: number) => void;

export interface FuseStatfs {
  bsize: number;
  frsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  favail: number;
  fsid: number;
  flag: number;
  namemax: number;
}

/** The handlers fuse-native calls (paths are absolute inside the mount, e.g. "/a/b"). */
export interface FuseOps {
  init?(cb: Cb0): void;
  statfs?(path: string, cb: (err: number, s?: FuseStatfs) => void): void;
  getattr?(path: string, cb: (err: number, st?: import('node:fs').Stats) => void): void;
  readdir?(path: string, cb: (err: number, names?: string[]) => void): void;
  open?(path: string, flags: number, cb: CbFd): void;
  create?(path: string, mode: number, cb: CbFd): void;
  read?(path: string, fh: number, buf: Buffer, len: number, pos: number, cb: CbN): void;
  write?(path: string, fh: number, buf: Buffer, len: number, pos: number, cb: CbN): void;
  release?(path: string, fh: number, cb: Cb0): void;
  truncate?(path: string, size: number, cb: Cb0): void;
  ftruncate?(path: string, fh: number, size: number, cb: Cb0): void;
  fsync?(path: string, datasync: number, fh: number, cb: Cb0): void;
  unlink?(path: string, cb: Cb0): void;
  mkdir?(path: string, mode: number, cb: Cb0): void;
  rmdir?(path: string, cb: Cb0): void;
  rename?(src: string, dest: string, cb: Cb0): void;
  utimens?(path: string, atimeMs: number, mtimeMs: number, cb: Cb0): void;
  chmod?(path: string, mode: number, cb: Cb0): void;
  chown?(path: string, uid: number, gid: number, cb: Cb0): void;
}

export interface FuseInstance {
  mount(cb: (err: Error | null) => void): void;
  unmount(cb: (err: Error | null) => void): void;
}

export interface FuseOptions {
  fsname?: string;
  subtype?: string;
  /** Per-handler timeout in ms (fuse-native answers ETIMEDOUT after it); false for none. */
  timeout?: number | false;
  mkdir?: boolean;
}

export interface FuseClass {
  new (mnt: string, ops: FuseOps, opts?: FuseOptions): FuseInstance;
  unmount(mnt: string, cb: (err: Error | null) => void): void;
}

export type LoadResult = { ok: true; Fuse: FuseClass } | { ok: false; reason: string };

export const INSTALL_HINT = "install Debian's libfuse2: apt-get install libfuse2";

/**
 * Loads fuse-native. Fails (with the reason) when the package is not installed or its binary cannot
 * be loaded, which on Debian means libfuse.so.2 is missing.
 */
export function loadFuseNative(): LoadResult {
  const require = createRequire(import.meta.url);
  try {
    return { ok: true, Fuse: require('fuse-native') as FuseClass };
  } catch (e) {
    const msg = (e as Error).message;
    if (/libfuse\.so/.test(msg)) return { ok: false, reason: `libfuse 2 is missing (${firstLine(msg)}): ${INSTALL_HINT}` };
    if (/Cannot find module 'fuse-native'/.test(msg)) {
      return { ok: false, reason: `the optional npm package fuse-native is not installed: run \`npm install\` (needs ${INSTALL_HINT.replace(/^install /, '')})` };
    }
    return { ok: false, reason: `fuse-native cannot be loaded (${firstLine(msg)}); ${INSTALL_HINT}` };
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 300);
}

/**
 * fuse-native builds its `-o` list itself and has no switch for some libfuse 2 options we need
 * (`direct_io`, `big_writes`, `auto_unmount`, zero timeouts), so a subclass appends them.
 */
export function withExtraOptions(Fuse: FuseClass, extra: string[]): FuseClass {
  if (extra.length === 0) return Fuse;
  // fuse-native's class has an overridable `_fuseOptions()` returning "-oa,b" or "".
  const Base = Fuse as unknown as new (...a: unknown[]) => { _fuseOptions(): string };
  class WithOptions extends Base {
    override _fuseOptions(): string {
      const base = super._fuseOptions();
      return base === '' ? `-o${extra.join(',')}` : `${base},${extra.join(',')}`;
    }
  }
  return WithOptions as unknown as FuseClass;
}
