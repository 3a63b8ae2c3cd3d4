// The splice read of an FOPEN_DIRECT_IO file goes through the FUSE inode's page cache:
// fuse_splice_read() (fs/fuse/file.c) sends every file that is not plain passthrough to
// filemap_splice_read(). With PASSTHROUGH|DIRECT_IO nothing keeps that cache current: read() goes to the
// server and a MAP_SHARED write goes to the backing file. So sendfile() (do_splice_direct) returns the
// data the cache held before the mapped write, while read() returns the new data. copy_file_range
// takes the same splice fallback when the server answers COPY_FILE_RANGE with ENOSYS — the corruption
// fsx found in fusebench's own server before it answered COPY_FILE_RANGE itself; the second half checks
// that a copy now carries the new data. Upstream "fuse: use copy_splice_read() for FOPEN_DIRECT_IO"
// changes the first half: on a kernel with it, sendfile returns the new data and this probe fails.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFileRange, mapWrite, sendFile } from '../native/io.js';
import { passthroughUnsupported } from './capabilities.js';
import type { ProbeDef } from './types.js';
import { patternData } from './passthrough-read-bypass.js';

const FILE = 'splice.dat';
const FILE_LEN = 64 << 10;
const PAGE = 4096;
const COPY_TO = 32 << 10;

function readAt(fd: number, off: number): Buffer {
  const b = Buffer.alloc(PAGE);
  const n = readSync(fd, b, 0, PAGE, off);
  return b.subarray(0, n);
}

/** sendfile() of the first page into a scratch file outside the mount, read back. */
function sendfilePage(fd: number, scratch: string): Buffer {
  const out = openSync(scratch, 'w+');
  try {
    const n = sendFile(out, fd, 0, PAGE);
    const b = Buffer.alloc(PAGE);
    return b.subarray(0, readSync(out, b, 0, n, 0));
  } finally {
    closeSync(out);
  }
}

function which(got: Buffer, before: Buffer, after: Buffer): string {
  if (got.equals(after)) return 'new data';
  if (got.equals(before)) return 'STALE data';
  return `other data (${got.length} bytes)`;
}

export const spliceReadStale: ProbeDef = {
  id: 'splice-read-stale',
  rule:
    'a splice read (sendfile, the copy_file_range fallback) of a PASSTHROUGH|DIRECT_IO file reads the FUSE page cache (filemap_splice_read), which a passthrough MAP_SHARED write never updates',
  changedIn: '6.9',
  unsupported: passthroughUnsupported,
  async run(ctx) {
    const before = patternData(FILE_LEN, 9);
    const after = patternData(PAGE, 10);
    const m = await ctx.mount({ mode: 'passthrough-direct', prepare: (b) => writeFileSync(join(b, FILE), before) });
    const scratchDir = mkdtempSync(join(tmpdir(), `fusebench-splice-${process.pid}-`));
    const fd = openSync(m.path(FILE), 'r+');
    try {
      const first = before.subarray(0, PAGE);
      const primed = which(sendfilePage(fd, join(scratchDir, 'a')), first, after); // fills the page cache
      mapWrite(fd, 0, after); // lands in the backing file's pages
      const byRead = which(readAt(fd, 0), first, after);
      const bySendfile = which(sendfilePage(fd, join(scratchDir, 'b')), first, after);
      await m.server.reset();
      const copied = copyFileRange(fd, 0, fd, COPY_TO, PAGE);
      const stats = await m.server.stats();
      const copies = (stats.ops['COPY_FILE_RANGE_64']?.count ?? 0) + (stats.ops['COPY_FILE_RANGE']?.count ?? 0);
      const byCopy = which(readAt(fd, COPY_TO), before.subarray(COPY_TO, COPY_TO + PAGE), after);
      const primedOk = primed === 'STALE data'; // i.e. the old content, as it was then
      return {
        expected:
          'after a mapped write: read() new data; sendfile() STALE data (page cache); copy_file_range answered by the server (COPY_FILE_RANGE ≥ 1) with new data',
        observed: `first sendfile: ${primedOk ? 'old data' : primed}; after the mapped write: read() ${byRead}, sendfile() ${bySendfile}; copy_file_range ${copied} bytes, ${copies} COPY_FILE_RANGE at the server, copy holds ${byCopy}`,
        verdict:
          primedOk && byRead === 'new data' && bySendfile === 'STALE data' && copies >= 1 && byCopy === 'new data'
            ? 'pass'
            : 'fail',
      };
    } finally {
      closeSync(fd);
      rmSync(scratchDir, { recursive: true, force: true });
    }
  },
};
