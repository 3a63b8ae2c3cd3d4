import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODE_FOPEN, parseFopenList, parseModeSpec } from '../bench/modes.js';
import { cellId, planMatrix, DEFAULT_PRESET, QUICK_PRESET } from '../bench/runner/matrix.js';
import { parseDelaySpec, parseDurationMs, parseSize } from '../bench/cli/parse.js';

test('mode specs carry INIT options and raw flag lists', () => {
  const s = parseModeSpec('parallel+allow-mmap+async-dio');
  assert.equal(s.mode, 'parallel');
  assert.deepEqual(s.fopen, ['DIRECT_IO', 'PARALLEL_DIRECT_WRITES']);
  assert.deepEqual(s.init, ['allow-mmap', 'async-dio']);
  const raw = parseModeSpec('fopen:PASSTHROUGH|KEEP_CACHE');
  assert.equal(raw.mode, null);
  assert.deepEqual(raw.fopen, ['PASSTHROUGH', 'KEEP_CACHE']);
  assert.throws(() => parseModeSpec('paralel'), /unknown mode/);
  assert.throws(() => parseModeSpec('direct+mmap'), /unknown INIT option/);
  assert.throws(() => parseFopenList('DIRECT_IO|BOGUS'), /unknown FOPEN flag/);
  assert.deepEqual(MODE_FOPEN['passthrough-parallel'], ['PASSTHROUGH', 'DIRECT_IO', 'PARALLEL_DIRECT_WRITES']);
});

test('option parsers', () => {
  assert.equal(parseSize('4k'), 4096);
  assert.equal(parseSize('128K'), 131072);
  assert.equal(parseSize('1m'), 1 << 20);
  assert.equal(parseDurationMs('2s'), 2000);
  assert.equal(parseDurationMs('500ms'), 500);
  // The delay grammar itself: test/delay.test.ts.
  assert.equal(parseDelaySpec('none'), '');
  assert.throws(() => parseDelaySpec('wirte=200us'), /--delay: unknown opcode "wirte"/);
});

test('the default matrix crosses what matters and nothing else', () => {
  const cells = planMatrix(DEFAULT_PRESET);
  const ids = new Set(cells.map(cellId));
  assert.equal(ids.size, cells.length, 'cell ids are unique');
  // Read-only scenarios do not multiply by the write delay.
  assert.ok(cells.filter((c) => c.scenario === 'read').every((c) => c.delay === ''));
  // allow-mmap only matters where something is mapped.
  assert.ok(cells.filter((c) => c.spec.init.includes('allow-mmap')).every((c) => c.scenario === 'mmap' || c.scenario === 'fallback'));
  // The fallback time series runs once, on the parallel mode.
  const fb = cells.filter((c) => c.scenario === 'fallback');
  assert.equal(fb.length, 1);
  assert.equal(fb[0]!.spec.mode, 'parallel');
  assert.ok(planMatrix(QUICK_PRESET).length < cells.length);
});
