// The passthrough filesystem as fuse-native handlers: every request becomes the same call on the
// backing directory, through fds kept per open (positional read/write, no shared offsets).
//
// Counting: libfuse 2's high-level API hides the kernel requests behind path-based callbacks. Each
// callback is counted under the kernel opcode it serves (WRITE, READ, OPEN…); LOOKUP is answered with
// the getattr callback, so lookups count as GETATTR. "Per inode" is per path here (libfuse 2 gives
// paths, not inode numbers); a file renamed while open counts under its new name from then on.
import * as fs from 'node:fs';
import { constants as C } from 'node:fs';
import type { Stats } from 'node:fs';
import type { Cb0, CbFd, CbN, FuseOps, FuseStatfs } from './binding.js';
import { confine, EscapeError } from './confine.js';
import { hold } from './delay.js';
import type { ServerCounters } from './stats.js';

const EPERM = -1;
const EIO = -5;
const EBADF = -9;

/** Node's errno on an error is already negative on Linux; anything else is EIO. */
function errnoOf(e: unknown): number {
  if (e instanceof EscapeError) return EPERM;
  const n = (e as { errno?: unknown } | null)?.errno;
  return typeof n === 'number' && n < 0 ? n : EIO;
}

/**
 * Open flags for the backing file. The access mode and the sync flags are the caller's. O_DIRECT is
 * dropped: the kernel has already decided whether the caller bypasses the FUSE page cache, and the
 * buffers libfuse hands us are not aligned for the backing filesystem. O_APPEND is dropped because the
 * kernel sends explicit offsets. O_NOFOLLOW keeps a symlink in the backing directory from leading out.
 */
export function backingOpenFlags(kernelFlags: number): number {
  const O_ACCMODE = 3;
  const keep = O_ACCMODE | C.O_SYNC | C.O_DSYNC | (C.O_NOATIME ?? 0);
  return (kernelFlags & keep) | C.O_NOFOLLOW;
}

interface Handle {
  fd: number;
}

export interface PassthroughOptions {
  backing: string;
  counters: ServerCounters;
  /** Opcode → delay in ns. */
  delays: () => Record<string, number>;
}

export class Passthrough {
  private handles = new Map<number, Handle>();
  private nextFh = 1;

  constructor(private readonly o: PassthroughOptions) {}

  private path(p: string): string {
    return confine(this.o.backing, p);
  }

  /** Runs one request: counted in flight from entry to reply, held for the opcode's delay first. */
  private serve<T>(op: string, key: string, work: () => Promise<T>, reply: (r: T | number) => void, bytes: (r: T) => number = () => 0): void {
    this.o.counters.begin(op, key);
    const delay = this.o.delays()[op] ?? 0;
    const run = delay > 0 ? hold(delay).then(work) : attempt(work);
    run.then(
      (r) => {
        this.o.counters.end(op, key, bytes(r), false);
        reply(r);
      },
      (e: unknown) => {
        this.o.counters.end(op, key, 0, true);
        reply(errnoOf(e));
      },
    );
  }

  private fd(fh: number): number {
    const h = this.handles.get(fh);
    if (!h) throw Object.assign(new Error(`unknown file handle ${fh}`), { errno: EBADF });
    return h.fd;
  }

  private addHandle(fd: number): number {
    // fuse-native stores the handle in a uint32 and treats 0 as "none".
    let fh = this.nextFh;
    while (this.handles.has(fh) || fh === 0) fh = (fh + 1) >>> 0;
    this.nextFh = (fh + 1) >>> 0;
    this.handles.set(fh, { fd });
    return fh;
  }

  /** Closes every backing fd still open (at shutdown). */
  closeAll(): void {
    for (const h of this.handles.values()) {
      try {
        fs.closeSync(h.fd);
      } catch {
        /* already closed */
      }
    }
    this.handles.clear();
  }

  get openHandles(): number {
    return this.handles.size;
  }

  ops(): FuseOps {
    return {
      getattr: (p, cb) =>
        this.serve<Stats>('GETATTR', p, () => call<Stats>((k) => fs.lstat(this.path(p), k)), (r) =>
          typeof r === 'number' ? cb(r) : cb(0, r),
        ),
      readdir: (p, cb) =>
        this.serve<string[]>('READDIR', p, () => call<string[]>((k) => fs.readdir(this.path(p), k)), (r) =>
          typeof r === 'number' ? cb(r) : cb(0, ['.', '..', ...r]),
        ),
      open: (p, flags, cb: CbFd) =>
        this.serve<number>(
          'OPEN',
          p,
          async () => this.addHandle(await call<number>((k) => fs.open(this.path(p), backingOpenFlags(flags), k))),
          (r) => (r < 0 ? cb(r) : cb(0, r)),
        ),
      create: (p, mode, cb: CbFd) =>
        this.serve<number>(
          'CREATE',
          p,
          // fuse-native does not pass the open flags to create; read-write covers every caller.
          async () => this.addHandle(await call<number>((k) => fs.open(this.path(p), C.O_RDWR | C.O_CREAT | C.O_NOFOLLOW, mode & 0o7777, k))),
          (r) => (r < 0 ? cb(r) : cb(0, r)),
        ),
      read: (p, fh, buf, len, pos, cb: CbN) =>
        this.serve<number>('READ', p, () => preadFull(this.fd(fh), buf, len, pos), (r) => cb(r), (n) => n),
      write: (p, fh, buf, len, pos, cb: CbN) =>
        this.serve<number>('WRITE', p, () => pwriteFull(this.fd(fh), buf, len, pos), (r) => cb(r), (n) => n),
      release: (p, fh, cb: Cb0) =>
        this.serve<number>(
          'RELEASE',
          p,
          async () => {
            const fd = this.fd(fh);
            this.handles.delete(fh);
            await call<void>((k) => fs.close(fd, k));
            return 0;
          },
          (r) => cb(r),
        ),
      fsync: (p, datasync, fh, cb: Cb0) =>
        this.serve<number>(
          'FSYNC',
          p,
          async () => {
            const fd = this.fd(fh);
            await call<void>((k) => (datasync ? fs.fdatasync(fd, k) : fs.fsync(fd, k)));
            return 0;
          },
          (r) => cb(r),
        ),
      truncate: (p, size, cb: Cb0) => this.serve0('SETATTR', p, (k) => fs.truncate(this.path(p), size, k), cb),
      ftruncate: (p, fh, size, cb: Cb0) => this.serve0('SETATTR', p, (k) => fs.ftruncate(this.fd(fh), size, k), cb),
      utimens: (p, atimeMs, mtimeMs, cb: Cb0) =>
        this.serve0('SETATTR', p, (k) => fs.lutimes(this.path(p), atimeMs / 1000, mtimeMs / 1000, k), cb),
      chmod: (p, mode, cb: Cb0) => this.serve0('SETATTR', p, (k) => fs.chmod(this.path(p), mode & 0o7777, k), cb),
      chown: (p, uid, gid, cb: Cb0) => this.serve0('SETATTR', p, (k) => fs.lchown(this.path(p), uid, gid, k), cb),
      unlink: (p, cb: Cb0) => this.serve0('UNLINK', p, (k) => fs.unlink(this.path(p), k), cb),
      mkdir: (p, mode, cb: Cb0) => this.serve0('MKDIR', p, (k) => fs.mkdir(this.path(p), { mode: mode & 0o7777 }, (e) => k(e)), cb),
      rmdir: (p, cb: Cb0) => this.serve0('RMDIR', p, (k) => fs.rmdir(this.path(p), k), cb),
      rename: (src, dest, cb: Cb0) => this.serve0('RENAME', src, (k) => fs.rename(this.path(src), this.path(dest), k), cb),
      statfs: (p, cb) =>
        this.serve<FuseStatfs>('STATFS', p, async () => toFuseStatfs(await call<fs.StatsFs>((k) => fs.statfs(this.path(p), k))), (r) =>
          typeof r === 'number' ? cb(r) : cb(0, r),
        ),
    };
  }

  /** A request whose reply is only success or an errno. */
  private serve0(op: string, key: string, start: (k: (e: NodeJS.ErrnoException | null) => void) => void, cb: Cb0): void {
    this.serve<number>(
      op,
      key,
      () =>
        call<void>((k) => start((e) => k(e))).then(() => 0),
      (r) => cb(r),
    );
  }
}

/** `work()`, with a synchronous throw (an unknown handle, a confined path) turned into a rejection. */
function attempt<T>(work: () => Promise<T>): Promise<T> {
  try {
    return work();
  } catch (e) {
    return Promise.reject(e as Error);
  }
}

/** Promise around a Node callback API; `start` may also throw synchronously (e.g. a confined path). */
function call<T>(start: (k: (e: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T> {
  return new Promise<T>((res, rej) => {
    start((e, v) => (e ? rej(e) : res(v)));
  });
}

async function preadFull(fd: number, buf: Buffer, len: number, pos: number): Promise<number> {
  let done = 0;
  while (done < len) {
    const n = await call<number>((k) => fs.read(fd, buf, done, len - done, pos + done, k));
    if (n === 0) break;
    done += n;
  }
  return done;
}

async function pwriteFull(fd: number, buf: Buffer, len: number, pos: number): Promise<number> {
  let done = 0;
  while (done < len) {
    const n = await call<number>((k) => fs.write(fd, buf, done, len - done, pos + done, k));
    if (n === 0) break;
    done += n;
  }
  return done;
}

const U32 = 0xffffffff;

function toFuseStatfs(s: fs.StatsFs): FuseStatfs {
  // fuse-native carries statfs fields as uint32.
  const c = (n: number): number => Math.min(U32, Math.max(0, Math.floor(n)));
  return {
    bsize: c(s.bsize),
    frsize: c(s.bsize),
    blocks: c(s.blocks),
    bfree: c(s.bfree),
    bavail: c(s.bavail),
    files: c(s.files),
    ffree: c(s.ffree),
    favail: c(s.ffree),
    fsid: 0,
    flag: 0,
    namemax: 255,
  };
}
