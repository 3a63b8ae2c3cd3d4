// The delay grammar (bench/delay.ts) and its opcode table: the same names and numbers as the C
// server's table (native/abi/fuse_names.c, fuse_abi.h), and every name accepted by the built server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DelayError, parseDelay } from '../bench/delay.js';
import { FUSE_OPCODES } from '../bench/fuse-opcodes.js';
import { packageRoot, serverBinary } from '../bench/paths.js';

test('delay specs: opcode=duration, units ns|us|ms|s, a bare number is ns', () => {
  assert.deepEqual(parseDelay('write=200us,read=1ms'), { spec: 'write=200us,read=1ms', ns: { WRITE: 200_000, READ: 1_000_000 } });
  assert.deepEqual(parseDelay(' WRITE = 200US , fuse_getattr=1.5s '), { spec: 'write=200us,getattr=1.5s', ns: { WRITE: 200_000, GETATTR: 1_500_000_000 } });
  assert.deepEqual(parseDelay('write=200'), { spec: 'write=200ns', ns: { WRITE: 200 } });
  assert.deepEqual(parseDelay('write=3µs'), { spec: 'write=3us', ns: { WRITE: 3000 } });
  assert.deepEqual(parseDelay('read=0'), { spec: 'read=0ns', ns: { READ: 0 } });
  for (const none of ['', 'none', 'NONE', '0', '  ']) assert.deepEqual(parseDelay(none), { spec: '', ns: {} });
});

test('a bad delay spec says what is wrong and what is accepted', () => {
  const err = (spec: string): string => {
    try {
      parseDelay(spec);
    } catch (e) {
      assert.ok(e instanceof DelayError, String(e));
      return e.message;
    }
    assert.fail(`accepted ${spec}`);
  };
  const typo = err('wirte=200us');
  assert.match(typo, /unknown opcode "wirte" in delay "wirte=200us" \(did you mean write\?\)/);
  for (const name of Object.keys(FUSE_OPCODES)) assert.ok(typo.includes(name.toLowerCase()), `the list names ${name}`);
  assert.match(err('write=200xs'), /bad duration "200xs".*ns, us, ms or s/);
  assert.match(err('write=-1ms'), /bad duration/);
  assert.match(err('write'), /not OPCODE=DURATION/);
  assert.match(err('write=1ms,,read=1ms'), /empty entry/);
  assert.match(err('write=1ms,WRITE=2ms'), /given twice/);
  assert.match(err('write=2h'), /bad duration/);
  assert.match(err('write=3601s'), /longer than an hour/);
});

/** name → number from the C sources: `[FUSE_X] = "NAME"` in fuse_names.c, `FUSE_X = N` in fuse_abi.h. */
function cOpcodes(): Record<string, number> {
  const abi = join(packageRoot(), 'native', 'abi');
  const names = readFileSync(join(abi, 'fuse_names.c'), 'utf8');
  const table = /opcode_names\[[^\]]*\]\s*=\s*\{([^}]*)\}/.exec(names);
  assert.ok(table, 'opcode_names table found in fuse_names.c');
  const header = readFileSync(join(abi, 'fuse_abi.h'), 'utf8');
  const out: Record<string, number> = {};
  for (const m of table[1]!.matchAll(/\[(FUSE_\w+)\]\s*=\s*"(\w+)"/g)) {
    const num = new RegExp(`\\b${m[1]}\\s*=\\s*(\\d+)\\s*,`).exec(header);
    assert.ok(num, `${m[1]} has a number in fuse_abi.h`);
    out[m[2]!] = Number(num[1]);
  }
  return out;
}

test('the TypeScript opcode table is the C server\'s (names and numbers)', () => {
  const c = cOpcodes();
  assert.ok(Object.keys(c).length >= 50, `only ${Object.keys(c).length} opcodes parsed from fuse_names.c`);
  assert.deepEqual({ ...FUSE_OPCODES }, c);
});

test('the built server accepts every opcode name of the table and refuses a typo with exit 2', (t) => {
  const bin = serverBinary(false);
  if (!existsSync(bin)) return t.skip(`${bin} not built`);
  // Nonexistent directories: the server parses --delay first (exit 2 on a bad one), then fails on the
  // backing directory (exit 1) before it could mount anything.
  const run = (delay: string): { status: number | null; stderr: string } =>
    spawnSync(bin, ['--backing', '/nonexistent/fusebench-b', '--mountpoint', '/nonexistent/fusebench-m', '--delay', delay], { encoding: 'utf8' });
  for (const name of Object.keys(FUSE_OPCODES)) {
    const spec = parseDelay(`${name}=1us`).spec;
    const r = run(spec);
    assert.equal(r.status, 1, `${spec}: ${r.stderr}`);
    assert.match(r.stderr, /nonexistent\/fusebench-b/);
  }
  const bad = run('wirte=200us');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown opcode "wirte"/);
});
