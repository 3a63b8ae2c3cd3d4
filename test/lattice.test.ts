// The flag lattice on real mounts: one sweep of the combinations the kernel's rules are best known
// for, each checked against the verdict the rules give (counts, not timings), and the predictor
// checked against every observed cell.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readKernelOffer } from '../bench/env/kernel-offer.js';
import { hasIomode } from '../bench/probes/capabilities.js';
import { DEFAULT_SWEEP_SETTINGS, runSweep } from '../bench/lattice/sweep.js';
import { parseFopenSet, type LatticeSpace } from '../bench/lattice/space.js';
import { describeCell } from '../bench/lattice/table.js';
import type { Lattice, LatticeCell } from '../bench/results/lattice-schema.js';
import type { ReadyInfo } from '../bench/server/types.js';
import { assertNoMountsLeft, isRoot } from './helpers/mount.js';

let offer: ReadyInfo;
let lattice: Lattice;

const space: LatticeSpace = {
  fopen: ['PARALLEL_DIRECT_WRITES', 'DIRECT_IO', 'DIRECT_IO|PARALLEL_DIRECT_WRITES', 'PASSTHROUGH', 'PASSTHROUGH|KEEP_CACHE'].map(parseFopenSet),
  init: [['passthrough']],
  client: ['direct', 'direct-append'],
  write: ['overwrite', 'extend'],
  engine: ['psync'],
  interferer: ['none', 'caching-open'],
};

before(async () => {
  if (!isRoot()) return;
  offer = await readKernelOffer();
  lattice = await runSweep({ space, settings: { ...DEFAULT_SWEEP_SETTINGS, batch: 64, threads: 256 }, offer });
});

after(() => {
  if (isRoot()) assertNoMountsLeft();
});

function cell(fopen: string, client: string, write: string, interferer = 'none'): LatticeCell {
  const c = lattice.cells.find((x) => x.fopen === fopen && x.client === client && x.write === write && x.interferer === interferer);
  assert.ok(c, `no cell ${fopen} ${client} ${write} ${interferer}`);
  return c;
}

function assertVerdict(c: LatticeCell, verdict: string): void {
  assert.equal(c.verdict, verdict, describeCell(c));
}

const skip = isRoot() ? false : 'needs root (mount(2))';

test('every combination of the space was run once', { skip }, () => {
  assert.equal(lattice.cells.length, 5 * 2 * 2 * 2);
  assert.equal(lattice.interrupted, false);
});

test('PARALLEL_DIRECT_WRITES without DIRECT_IO is exclusive (the kernel strips the flag)', { skip }, () => {
  const c = cell('PARALLEL_DIRECT_WRITES', 'direct', 'overwrite');
  assertVerdict(c, 'exclusive');
  assert.equal(c.counts?.writes, 4, 'all four WRITEs reached the server');
  assert.equal(c.counts?.maxInFlight, 1);
});

test('DIRECT_IO|PARALLEL_DIRECT_WRITES overwriting inside EOF is shared', { skip }, () => {
  const c = cell('DIRECT_IO|PARALLEL_DIRECT_WRITES', 'direct', 'overwrite');
  assertVerdict(c, 'shared');
  assert.equal(c.counts?.maxInFlight, 2);
});

test('... extending past EOF is exclusive', { skip }, () => {
  assertVerdict(cell('DIRECT_IO|PARALLEL_DIRECT_WRITES', 'direct', 'extend'), 'exclusive');
});

test('... with O_APPEND is exclusive', { skip }, () => {
  assertVerdict(cell('DIRECT_IO|PARALLEL_DIRECT_WRITES', 'direct-append', 'overwrite'), 'exclusive');
});

test('... while a caching open holds the inode is exclusive (shared before iomode, 6.9)', { skip }, () => {
  assertVerdict(cell('DIRECT_IO|PARALLEL_DIRECT_WRITES', 'direct', 'overwrite', 'caching-open'), hasIomode(offer) ? 'exclusive' : 'shared');
});

test('PASSTHROUGH|KEEP_CACHE is refused with EIO', { skip }, (t) => {
  const c = cell('PASSTHROUGH|KEEP_CACHE', 'direct', 'overwrite');
  if (!offer.init.offered.includes('PASSTHROUGH')) {
    assertVerdict(c, 'unsupported');
    return t.skip('the kernel offers no PASSTHROUGH: the cell is unsupported');
  }
  // Refused either way: KEEP_CACHE is outside passthrough's flags, or passthrough is not usable at all.
  assertVerdict(c, 'refused:EIO');
  assert.equal(c.counts?.clientWrites, 0);
});

test('PASSTHROUGH without DIRECT_IO bypasses the server', { skip }, (t) => {
  if (!offer.passthrough.usable) return t.skip(`passthrough not usable here: ${offer.passthrough.reason ?? '?'}`);
  const c = cell('PASSTHROUGH', 'direct', 'overwrite');
  assertVerdict(c, 'bypass');
  assert.equal(c.counts?.clientWrites, 4, 'the client wrote, the server saw nothing');
  assert.equal(c.counts?.writes, 0);
});

test('the predictor agrees with every observed cell', { skip }, () => {
  const bad = lattice.cells.filter((c) => !c.asPredicted);
  assert.deepEqual(bad.map((c) => `${describeCell(c)} — predicted ${c.predicted}: ${c.why}`), []);
});

test('an INIT set whose server cannot start gives error:MOUNT cells with the reason, not a crashed sweep', { skip }, async () => {
  // The server refuses more than 1024 threads before mounting anything.
  const l = await runSweep({ space: { ...space, fopen: [[]] }, settings: { ...DEFAULT_SWEEP_SETTINGS, threads: 2048 }, offer });
  assert.equal(l.cells.length, 8);
  assert.ok(l.cells.every((c) => c.verdict === 'error:MOUNT' && !c.asPredicted && /--threads/.test(c.reason ?? '')), JSON.stringify(l.cells[0]));
  assert.match(l.mounts[0]?.skipped ?? '', /mounting the server failed/);
});
