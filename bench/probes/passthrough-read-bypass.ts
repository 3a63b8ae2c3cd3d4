// docs/kernel-fuse.md "Passthrough": with FOPEN_PASSTHROUGH, read() and mmap faults go to the backing file:
// the server sees the OPEN but not a single READ.
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapFile, touchMapping, unmapFile } from '../native/io.js';
import { passthroughUnsupported } from './capabilities.js';
import type { ProbeDef } from './types.js';

const FILE = 'ptread.dat';
export const DATA_LEN = 2 << 20;
const PAGE = 4096;

export function patternData(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (i * 131 + seed * 17 + (i >> 12)) & 0xff;
  return b;
}

/** Reads the whole file in 128 KiB chunks; returns whether it matches `want`. */
function readAllMatches(path: string, want: Buffer): boolean {
  const fd = openSync(path, 'r');
  try {
    const got = Buffer.alloc(want.length);
    let off = 0;
    while (off < want.length) {
      const n = readSync(fd, got, off, Math.min(128 << 10, want.length - off), off);
      if (n <= 0) break;
      off += n;
    }
    return off === want.length && got.equals(want);
  } finally {
    closeSync(fd);
  }
}

/** Maps the file (shared and private) and faults in every page. Returns 'ok' or the error. */
export function faultAll(path: string, len: number): string {
  const fd = openSync(path, 'r');
  try {
    for (const shared of [true, false]) {
      let h: number;
      try {
        h = mapFile(fd, len, { shared, write: false });
      } catch (e) {
        return `${shared ? 'MAP_SHARED' : 'MAP_PRIVATE'} mmap: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      }
      try {
        for (let off = 0; off < len; off += PAGE) touchMapping(h, off, false);
      } catch (e) {
        return `${shared ? 'MAP_SHARED' : 'MAP_PRIVATE'} fault: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      } finally {
        unmapFile(h);
      }
    }
    return 'ok';
  } finally {
    closeSync(fd);
  }
}

export const passthroughReadBypass: ProbeDef = {
  id: 'passthrough-read-bypass',
  rule: 'passthrough reads never reach the server, and mmap faults of a passthrough file go to the backing file',
  changedIn: '6.9',
  unsupported: passthroughUnsupported,
  async run(ctx) {
    const data = patternData(DATA_LEN, 3);
    const m = await ctx.mount({ mode: 'passthrough', prepare: (b) => writeFileSync(join(b, FILE), data) });
    await m.server.reset();
    const same = readAllMatches(m.path(FILE), data);
    const afterRead = await m.server.stats();
    const mapped = faultAll(m.path(FILE), DATA_LEN);
    const afterMap = await m.server.stats();
    const opens = afterRead.ops['OPEN']?.count ?? 0;
    const readsByRead = afterRead.ops['READ']?.count ?? 0;
    const readsByMap = (afterMap.ops['READ']?.count ?? 0) - readsByRead;
    return {
      expected: 'read(): data correct, 0 READ at the server (OPEN ≥ 1); mmap faults: ok, 0 READ',
      observed: `read(): data ${same ? 'correct' : 'WRONG'}, ${readsByRead} READ, ${opens} OPEN; mmap faults: ${mapped}, ${readsByMap} READ`,
      verdict: same && opens >= 1 && readsByRead === 0 && mapped === 'ok' && readsByMap === 0 ? 'pass' : 'fail',
    };
  },
};
