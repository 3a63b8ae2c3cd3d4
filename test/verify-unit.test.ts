// verify's pure parts: the seeded generator, the model, the comparison and the diagnosis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare } from '../bench/verify/check.js';
import { diagnose } from '../bench/verify/diagnose.js';
import { DEFAULT_CONFIG, OpGenerator } from '../bench/verify/generate.js';
import { replayCommand } from '../bench/verify/log.js';
import { FileModel } from '../bench/verify/model.js';
import { describeOp, opClass, patternBuffer, type Op } from '../bench/verify/ops.js';

/** The ops a generator draws while the models follow them (writes and truncates only: enough state). */
function drawSequence(seed: number, n: number): Op[] {
  const gen = new OpGenerator(seed);
  const models = [0, 1].map(() => new FileModel(DEFAULT_CONFIG.maxSize));
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const op = gen.next(models);
    ops.push(op);
    if (op.kind === 'write') models[op.file]!.write(op.offset, patternBuffer(i, op.offset, Buffer.alloc(op.length)));
    if (op.kind === 'truncate') models[op.file]!.truncate(op.size);
  }
  return ops;
}

test('the same seed draws the same operations, another seed others', () => {
  assert.deepEqual(drawSequence(7, 500), drawSequence(7, 500));
  assert.notDeepEqual(drawSequence(7, 500), drawSequence(8, 500));
});

test('the generator draws every operation class, inside the limits, O_DIRECT aligned', () => {
  const ops = drawSequence(11, 4000);
  const classes = new Set(ops.map(opClass));
  for (const c of ['read/buffered', 'read/direct', 'read/mapped', 'write/buffered', 'write/direct', 'write/mapped', 'truncate', 'falloc/alloc', 'falloc/keep-size', 'falloc/punch-hole', 'falloc/zero-range', 'copy', 'concurrent/buffered', 'concurrent/direct']) {
    assert.ok(classes.has(c), `class ${c} never drawn`);
  }
  const { maxSize, block } = DEFAULT_CONFIG;
  for (const op of ops) {
    const d = describeOp(op);
    if ((op.kind === 'read' || op.kind === 'write') && op.path === 'direct') {
      assert.equal(op.offset % block, 0, d);
      assert.equal(op.length % block, 0, d);
    }
    if (op.kind === 'write' || op.kind === 'falloc') assert.ok(op.offset + op.length <= maxSize, d);
    if (op.kind === 'copy') {
      assert.ok(op.offsetOut + op.length <= maxSize, d);
      if (op.from === op.to) assert.ok(op.offsetOut >= op.offsetIn + op.length || op.offsetIn >= op.offsetOut + op.length, `overlapping copy: ${d}`);
    }
    if (op.kind === 'concurrent') {
      const sorted = [...op.ranges].sort((a, b) => a.offset - b.offset);
      for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i - 1]!.offset + sorted[i - 1]!.length <= sorted[i]!.offset, `overlapping writers: ${d}`);
    }
  }
});

test('the model: writes past the end leave zeros, truncate down forgets, punch keeps the size', () => {
  const m = new FileModel(64);
  m.write(10, Buffer.from([1, 2, 3]));
  assert.equal(m.size, 13);
  assert.deepEqual([...m.read(8, 10)], [0, 0, 1, 2, 3]);
  m.truncate(11);
  m.truncate(20);
  assert.deepEqual([...m.read(9, 4)], [0, 1, 0, 0]);
  m.zero(10, 100, true);
  assert.equal(m.size, 20);
  assert.deepEqual([...m.read(10, 1)], [0]);
  m.zero(30, 4, false);
  assert.equal(m.size, 34);
  assert.equal(m.readable(30, 10), 4);
  assert.equal(m.readable(40, 10), 0);
});

test('compare finds the first bad byte and a short read', () => {
  const a = Buffer.from([1, 2, 3, 4, 5]);
  assert.equal(compare(a, Buffer.from(a), 100), null);
  const m = compare(a, Buffer.from([1, 2, 9, 4, 9]), 100)!;
  assert.equal(m.offset, 102);
  assert.equal(m.badBytes, 2);
  assert.deepEqual([...m.expected], [3, 4, 5]);
  assert.deepEqual([...m.got], [9, 4, 9]);
  const short = compare(a, Buffer.from([1, 2]), 0)!;
  assert.equal(short.offset, 2);
  assert.equal(short.lengthExpected, 5);
  assert.equal(short.lengthGot, 2);
});

test('diagnosis tells stale bytes (an older write) from bytes no write produced', () => {
  const w0: Op = { kind: 'write', path: 'buffered', file: 0, offset: 0, length: 64 };
  const w1: Op = { kind: 'write', path: 'direct', file: 0, offset: 0, length: 4096 };
  const history = [w0, null, w1];
  const stale = patternBuffer(0, 16, Buffer.alloc(8));
  const expected = patternBuffer(2, 16, Buffer.alloc(8));
  const m = compare(expected, stale, 16)!;
  assert.match(diagnose(history, 0, m), /op #0 .* op #2 changed this offset since: stale data/);
  const noise = compare(expected, Buffer.from([0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee]), 16)!;
  assert.match(diagnose(history, 0, noise), /not what any write/);
  const zeros = compare(expected, Buffer.alloc(8), 16)!;
  assert.match(diagnose(history, 0, zeros), /zeros/);
});

test('the replay command names mode, seed and ops', () => {
  assert.equal(replayCommand({ mode: 'direct+allow-mmap', server: 'c', seed: 9, ops: 120 }), 'fusebench verify --modes direct+allow-mmap --seed 9 --ops 120');
  assert.equal(replayCommand({ mode: 'cached', server: 'fuse-native', seed: 1, ops: 5 }), 'fusebench verify --modes cached --seed 1 --ops 5 --server fuse-native');
});
