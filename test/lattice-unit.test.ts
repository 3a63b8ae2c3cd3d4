// The lattice's pure parts: verdicts from counts, the predictor's rules, the table's UNEXPECTED marking,
// the results section's validation, and the option parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../bench/cli/errors.js';
import { settingsFromFlags, spaceFromFlags } from '../bench/lattice/options.js';
import { predict, unsupportedReason, type KernelTerms } from '../bench/lattice/predict.js';
import { combos, fullSpace, spaceSize, type Combo } from '../bench/lattice/space.js';
import { latticeTable } from '../bench/lattice/table.js';
import { verdictOf, type Observation } from '../bench/lattice/verdict.js';
import { LATTICE_VERSION, type Lattice } from '../bench/results/lattice-schema.js';
import { parseResults } from '../bench/results/schema.js';
import { syntheticResults } from './helpers/synthetic-results.js';
import { diffLattices } from '../bench/lattice/diff.js';

const seen: Observation = { refused: null, writeError: null, writes: 4, writesAfterClose: 0, maxInFlight: 1, clientWrites: 4 };
const k618: KernelTerms = { asyncDio: false, allowMmap: false, writeback: false, passthrough: true, iomode: true };
const base: Combo = { fopen: ['DIRECT_IO', 'PARALLEL_DIRECT_WRITES'], init: ['passthrough'], client: 'direct', write: 'overwrite', engine: 'psync', interferer: 'none' };

test('verdicts come from counts', () => {
  assert.equal(verdictOf(seen), 'exclusive');
  assert.equal(verdictOf({ ...seen, maxInFlight: 2 }), 'shared');
  assert.equal(verdictOf({ ...seen, writes: 0, maxInFlight: 0 }), 'bypass');
  assert.equal(verdictOf({ ...seen, writes: 0, writesAfterClose: 1 }), 'deferred');
  assert.equal(verdictOf({ ...seen, refused: { errno: 'EIO', at: 'writer-open' } }), 'refused:EIO');
  assert.equal(verdictOf({ ...seen, writeError: 'EINVAL' }), 'error:EINVAL');
});

test('the predictor encodes the lock rules', () => {
  assert.equal(predict(base, k618).verdict, 'shared');
  assert.equal(predict({ ...base, fopen: ['PARALLEL_DIRECT_WRITES'] }, k618).verdict, 'exclusive');
  assert.equal(predict({ ...base, write: 'extend' }, k618).verdict, 'exclusive');
  assert.equal(predict({ ...base, client: 'direct-append' }, k618).verdict, 'exclusive');
  assert.equal(predict({ ...base, interferer: 'caching-open' }, k618).verdict, 'exclusive');
  assert.equal(predict({ ...base, interferer: 'caching-open' }, { ...k618, passthrough: false, iomode: false }).verdict, 'shared', 'before iomode (6.1) a caching open does not take the shared lock away');
  assert.equal(predict({ ...base, interferer: 'mmap-shared' }, k618).verdict, 'refused:ENODEV');
  assert.equal(predict({ ...base, interferer: 'mmap-shared' }, { ...k618, allowMmap: true }).verdict, 'exclusive');
  assert.equal(predict({ ...base, fopen: ['PASSTHROUGH'] }, k618).verdict, 'bypass');
  assert.equal(predict({ ...base, fopen: ['PASSTHROUGH', 'KEEP_CACHE'] }, k618).verdict, 'refused:EIO');
  assert.equal(predict({ ...base, fopen: ['PASSTHROUGH'] }, { ...k618, passthrough: false }).verdict, 'refused:EIO');
  assert.equal(predict({ ...base, fopen: ['PASSTHROUGH'], interferer: 'caching-open' }, k618).verdict, 'refused:EIO');
  assert.equal(predict({ ...base, fopen: [], client: 'buffered' }, { ...k618, writeback: true }).verdict, 'deferred');
  // Async submission drops the exclusive lock before the WRITE completes; extending writes are synchronous.
  const aio = { ...base, fopen: ['DIRECT_IO'] as Combo['fopen'], engine: 'libaio' as const };
  assert.equal(predict(aio, { ...k618, asyncDio: true }).verdict, 'shared');
  assert.equal(predict({ ...aio, write: 'extend' }, { ...k618, asyncDio: true }).verdict, 'exclusive');
  assert.equal(predict(aio, k618).verdict, 'exclusive');
});

test('unsupported is decided from the INIT offer', () => {
  assert.match(unsupportedReason({ ...base, init: ['async-dio'] }, ['PASSTHROUGH']) ?? '', /ASYNC_DIO/);
  assert.match(unsupportedReason({ ...base, fopen: ['PASSTHROUGH'] }, ['ASYNC_DIO']) ?? '', /PASSTHROUGH/);
  assert.equal(unsupportedReason(base, []), null, 'asking for passthrough matters only to passthrough opens');
});

test('the full space has 24,576 combinations, each once', () => {
  const s = fullSpace();
  assert.equal(spaceSize(s), 24_576);
  const all = combos(s);
  assert.equal(all.length, 24_576);
  assert.equal(new Set(all.map((c) => JSON.stringify(c))).size, 24_576);
});

function tinyLattice(verdict: string, predicted: string): Lattice {
  const space = spaceFromFlags({ fopen: 'DIRECT_IO' });
  return {
    version: LATTICE_VERSION,
    space: { fopen: ['DIRECT_IO'], init: ['passthrough'], client: space.client, write: ['overwrite'], engine: ['psync'], interferer: ['none'] },
    settings: { writers: 2, rounds: 2, blockSize: 4096, writeDelayMs: 50, batch: 1, threads: 64, maxBackground: 64 },
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
    interrupted: false,
    mounts: [],
    cells: [
      {
        init: 'passthrough',
        fopen: 'DIRECT_IO',
        client: 'direct',
        write: 'overwrite',
        engine: 'psync',
        interferer: 'none',
        verdict,
        predicted,
        asPredicted: verdict === predicted,
        why: 'DIRECT_IO, exclusive: no PARALLEL_DIRECT_WRITES',
        reason: null,
        counts: { writes: 4, writesAfterClose: 0, maxInFlight: verdict === 'shared' ? 2 : 1, clientWrites: 4 },
      },
    ],
  };
}

test('the table marks and lists UNEXPECTED cells, and says so when there are none', () => {
  const bad = latticeTable(tinyLattice('shared', 'exclusive'));
  assert.match(bad, /S!/);
  assert.match(bad, /\*\*\* UNEXPECTED: 1 of 1 cells/);
  assert.match(bad, /predicted exclusive/);
  const good = latticeTable(tinyLattice('exclusive', 'exclusive'));
  assert.doesNotMatch(good, /\*\*\* UNEXPECTED/);
  assert.match(good, /All 1 cells as predicted/);
});

test('results.json validates the lattice section', () => {
  const r = { ...syntheticResults(), lattice: tinyLattice('exclusive', 'exclusive') };
  assert.equal(parseResults(JSON.parse(JSON.stringify(r))).lattice?.cells.length, 1);
  const broken = { ...r, lattice: tinyLattice('sideways', 'exclusive') };
  assert.throws(() => parseResults(JSON.parse(JSON.stringify(broken))), /lattice\.cells\.0\.verdict/);
});

test('sweep options: sets, all, and bad values are usage errors', () => {
  const s = spaceFromFlags({ fopen: 'DIRECT_IO|PARALLEL_DIRECT_WRITES,none', init: 'all', engine: 'all' });
  assert.deepEqual(s.fopen, [[], ['DIRECT_IO', 'PARALLEL_DIRECT_WRITES']], 'canonical order, whatever the order given');
  assert.equal(s.init.length, 16);
  assert.deepEqual(s.engine, ['psync', 'libaio']);
  assert.throws(() => spaceFromFlags({ fopen: 'DIRECT' }), UsageError);
  assert.throws(() => spaceFromFlags({ client: 'sideways' }), UsageError);
  assert.throws(() => settingsFromFlags({ batch: '1000' }), UsageError);
  assert.equal(settingsFromFlags({ threads: '64' }).batch, 24);
});

test('lattice diff: behaviour changes first, then changes to unsupported; agreeing cells are not listed', () => {
  const a = tinyLattice('exclusive', 'exclusive');
  const twoCells = (l: Lattice, second: string): Lattice => ({ ...l, cells: [...l.cells, { ...l.cells[0]!, write: 'extend', verdict: second, predicted: second, asPredicted: true }] });
  const base = twoCells(a, 'exclusive');
  const other = twoCells(tinyLattice('unsupported', 'unsupported'), 'shared');
  const d = diffLattices([base, other]);
  assert.ok(d);
  assert.equal(d.common, 2);
  assert.equal(d.changed, 2);
  assert.deepEqual(d.rows.map((r) => [r.values[1]?.verdict, r.capabilityOnly]), [['shared', false], ['unsupported', true]]);
  assert.equal(diffLattices([base, base])?.rows.length, 0);
  assert.equal(diffLattices([undefined, undefined]), null);
});
