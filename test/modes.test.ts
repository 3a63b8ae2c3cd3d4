import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODE_FOPEN, parseFopenList, parseModeSpec } from '../bench/modes.js';
import { cellId, planMatrix, DEFAULT_PRESET, QUICK_PRESET, type MatrixOptions } from '../bench/runner/matrix.js';
import { windowMs } from '../bench/scenarios/planning.js';
import type { Scenario } from '../bench/scenarios/types.js';
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

/** A scenario that is only ever planned: its planning rules are what the test is about. */
function plannedOnly(name: string, rules: Partial<Scenario>): Scenario {
  return {
    name,
    description: 'planning only',
    usesWriteDelay: true,
    dioWrites: true,
    engines: ['psync', 'libaio'],
    mapsShared: false,
    unsupported: () => null,
    expectedErrors: () => [],
    prepare: () => undefined,
    run: () => Promise.reject(new Error('never run')),
    ...rules,
  };
}

test('the matrix takes each scenario\'s modes, delays and repeats from the scenario itself', () => {
  const own = plannedOnly('own-rules', {
    appliesTo: (spec) => spec.mode === 'direct',
    mapsShared: true,
    repeats: (asked) => asked - 1,
    delays: (asked) => asked.slice(-1),
    minDurationMs: 5000,
  });
  const plain = plannedOnly('defaults', { usesWriteDelay: false });
  const o: MatrixOptions = {
    ...DEFAULT_PRESET,
    scenarios: ['own-rules', 'defaults'],
    modes: ['cached', 'direct', 'direct+allow-mmap'],
    repeats: 3,
    delays: ['', 'write=200us'],
    engines: ['libaio'],
  };
  const ids = planMatrix(o, [own, plain]).map(cellId);
  assert.deepEqual(ids, [
    // Its own rules: direct modes only (allow-mmap too, as it maps the file), the last delay, 3 - 1 repeats.
    'own-rules/direct/libaio-qd8/j4/bs4096/disk/c/write=200us/r0',
    'own-rules/direct/libaio-qd8/j4/bs4096/disk/c/write=200us/r1',
    'own-rules/direct+allow-mmap/libaio-qd8/j4/bs4096/disk/c/write=200us/r0',
    'own-rules/direct+allow-mmap/libaio-qd8/j4/bs4096/disk/c/write=200us/r1',
    // The defaults: every mode but allow-mmap (nothing mapped), no delay (no writes), the repeats asked for.
    ...['cached', 'direct'].flatMap((m) => [0, 1, 2].map((r) => `defaults/${m}/libaio-qd8/j4/bs4096/disk/c/nodelay/r${r}`)),
  ]);
  assert.equal(windowMs(own, { durationMs: 700 }), 5000);
  assert.equal(windowMs(own, { durationMs: 9000 }), 9000);
  assert.equal(windowMs(plain, { durationMs: 700 }), 700);
  assert.throws(() => planMatrix({ ...o, scenarios: ['dio-write'] }, [own, plain]), /unknown scenario "dio-write" \(known: own-rules, defaults\)/);
});
