// docs/kernel-fuse.md "mmap rules": PASSTHROUGH|DIRECT_IO — DIRECT_IO wins for read/write (they go to the
// server) while mmap still maps the backing file (no READ at the server), and the inode stays in
// passthrough mode.
import { closeSync, openSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { passthroughUnsupported } from './capabilities.js';
import type { ProbeDef } from './types.js';
import { DATA_LEN, faultAll, patternData } from './passthrough-read-bypass.js';

const FILE = 'ptdirect.dat';

export const passthroughDirectServer: ProbeDef = {
  id: 'passthrough-direct-server',
  rule: 'PASSTHROUGH|DIRECT_IO: read and write reach the server, mmap goes to the backing file',
  changedIn: '6.9',
  unsupported: passthroughUnsupported,
  async run(ctx) {
    const data = patternData(DATA_LEN, 5);
    const m = await ctx.mount({ mode: 'passthrough-direct', prepare: (b) => writeFileSync(join(b, FILE), data) });
    const fd = openSync(m.path(FILE), 'r+');
    let same = false;
    let wrote = 0;
    try {
      await m.server.reset();
      const got = Buffer.alloc(64 << 10);
      const n = readSync(fd, got, 0, got.length, 0);
      same = n === got.length && got.equals(data.subarray(0, got.length));
      // Rewrite the same bytes: the file content does not change.
      wrote = writeSync(fd, data, 4096, 4096, 4096);
    } finally {
      closeSync(fd);
    }
    const io = await m.server.stats();
    await m.server.reset();
    const mapped = faultAll(m.path(FILE), DATA_LEN);
    const mm = await m.server.stats();
    const reads = io.ops['READ']?.count ?? 0;
    const writes = io.ops['WRITE']?.count ?? 0;
    const mapReads = mm.ops['READ']?.count ?? 0;
    return {
      expected: 'read(): ≥ 1 READ at the server; write(): ≥ 1 WRITE; mmap faults: ok with 0 READ',
      observed: `read(): data ${same ? 'correct' : 'WRONG'}, ${reads} READ; write(): ${wrote} bytes, ${writes} WRITE; mmap faults: ${mapped}, ${mapReads} READ`,
      verdict: same && reads >= 1 && wrote === 4096 && writes >= 1 && mapped === 'ok' && mapReads === 0 ? 'pass' : 'fail',
    };
  },
};
