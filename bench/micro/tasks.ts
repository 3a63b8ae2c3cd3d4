// The per-call operations `fusebench micro` times. Each runs synchronously on the CLI's thread: the
// servers are other processes, so a blocking call on the mount cannot deadlock them.
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import type { FnOptions } from 'tinybench';
import { at, READ_SIZE } from './fixture.js';

export type Io = typeof import('../native/io.js');

/** Which mount of a target a task runs on: the normal one, or one with attribute/entry timeouts of 0. */
export type MountKind = 'normal' | 'expired';

export interface MicroTaskDef {
  name: string;
  /** One line for the terminal and results.json (`config.tasks`). */
  what: string;
  mount: MountKind;
  /** Needs the native I/O addon (mmap). */
  needsIo?: boolean;
}

export const TASKS: MicroTaskDef[] = [
  { name: 'stat', what: 'stat(2) of a 64 KiB file, attributes cached by the kernel (1 s timeout)', mount: 'normal' },
  { name: 'open+close', what: 'open(O_RDONLY) + close of that file (OPEN, FLUSH, RELEASE on a FUSE mount)', mount: 'normal' },
  {
    name: 'getattr-expired',
    what: 'stat(2) on a second mount with attr_timeout=0 and entry_timeout=0: every call reaches the server (LOOKUP/GETATTR); native: plain stat',
    mount: 'expired',
  },
  { name: 'readdir-1000', what: 'readdir of a 1000-entry directory (names only: OPENDIR, READDIR…, RELEASEDIR)', mount: 'normal' },
  { name: 'pread-4k-hot', what: '4 KiB pread at offset 0 on a file kept open: page-cache hit in cached mode, a READ per call in direct mode', mount: 'normal' },
  {
    name: 'pread-4k-cold',
    what:
      '4 KiB pread at offset 0 after reopening the file (reopen untimed). A FUSE open without FOPEN_KEEP_CACHE drops the mount\'s cached pages, so the read goes to the server; the backing file stays in the host page cache. Native: reopening drops nothing, so the floor is a page-cache hit and the ratio is the cost of the trip to the server',
    mount: 'normal',
  },
  {
    name: 'mmap-first-touch',
    what: 'mmap(MAP_SHARED, 4 KiB) + first read touch + munmap of a file kept open (ENODEV under DIRECT_IO without DIRECT_IO_ALLOW_MMAP)',
    mount: 'normal',
    needsIo: true,
  },
];

export interface BoundTask {
  def: MicroTaskDef;
  fn: () => void;
  opts: FnOptions;
  /** Releases what the task holds (fds), whatever happened. */
  dispose: () => void;
}

/**
 * Binds each task to a root (a mountpoint or the backing directory). `expiredRoot` is the mount with
 * zero timeouts (the same as `root` for the native floor).
 */
export function bindTasks(defs: MicroTaskDef[], root: string, expiredRoot: string, io: Io | null): BoundTask[] {
  const p = at(root);
  const pe = at(expiredRoot);
  const buf = Buffer.alloc(READ_SIZE);
  return defs.map((def): BoundTask => {
    const none = (): void => {};
    switch (def.name) {
      case 'stat':
        return { def, fn: () => void statSync(p.file), opts: {}, dispose: none };
      case 'open+close':
        return { def, fn: () => closeSync(openSync(p.file, 'r')), opts: {}, dispose: none };
      case 'getattr-expired':
        return { def, fn: () => void statSync(pe.file), opts: {}, dispose: none };
      case 'readdir-1000':
        return { def, fn: () => void readdirSync(p.dir), opts: {}, dispose: none };
      case 'pread-4k-hot': {
        let fd = -1;
        return {
          def,
          fn: () => void readSync(fd, buf, 0, READ_SIZE, 0),
          opts: {
            beforeAll: () => {
              if (fd < 0) fd = openSync(p.file, 'r');
            },
          },
          dispose: () => {
            if (fd >= 0) closeSync(fd);
            fd = -1;
          },
        };
      }
      case 'pread-4k-cold': {
        let fd = -1;
        const reopen = (): void => {
          if (fd >= 0) closeSync(fd);
          fd = openSync(p.file, 'r');
        };
        return {
          def,
          fn: () => void readSync(fd, buf, 0, READ_SIZE, 0),
          opts: { beforeEach: reopen },
          dispose: () => {
            if (fd >= 0) closeSync(fd);
            fd = -1;
          },
        };
      }
      case 'mmap-first-touch': {
        if (!io) throw new Error('mmap-first-touch needs the native I/O addon');
        let fd = -1;
        return {
          def,
          fn: () => {
            const h = io.mapFile(fd, READ_SIZE, { shared: true, write: false });
            try {
              io.touchMapping(h, 0, false);
            } finally {
              io.unmapFile(h);
            }
          },
          opts: {
            beforeAll: () => {
              if (fd < 0) fd = openSync(p.file, 'r');
            },
          },
          dispose: () => {
            if (fd >= 0) closeSync(fd);
            fd = -1;
          },
        };
      }
      default:
        throw new Error(`unknown micro task ${def.name}`);
    }
  });
}

/**
 * Runs one call of each task outside the clock: an errno the mode rules predict (ENODEV for a
 * shared mmap of a DIRECT_IO file) makes the task unsupported rather than an error.
 */
export function probeTask(t: BoundTask): { ok: true } | { ok: false; code: string; message: string } {
  try {
    if (t.opts.beforeAll) void (t.opts.beforeAll as () => void)();
    if (t.opts.beforeEach) void (t.opts.beforeEach as () => void)();
    t.fn();
    return { ok: true };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, code: err.code ?? 'ERROR', message: err.message };
  }
}
