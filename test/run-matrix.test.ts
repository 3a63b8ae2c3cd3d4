// A short matrix on real mounts: the verdicts the kernel's rules predict, from counts the server saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runMatrix } from '../bench/runner/run.js';
import { parseResults, type Cell } from '../bench/results/schema.js';
import { assertNoMountsLeft, isRoot, testTmpDir } from './helpers/mount.js';
import { kernelOffer, passthroughSkip, skipWith } from './helpers/kernel.js';
import { hasIomode } from '../bench/probes/capabilities.js';

test('short matrix: lock paths, passthrough bypass, ENODEV, fallback time series', { skip: !isRoot() && 'needs root', timeout: 300_000 }, async () => {
  const dir = testTmpDir('run');
  try {
    const { results, path } = await runMatrix({
      matrix: {
        scenarios: ['dio-write', 'dio-write-extend', 'read', 'mmap', 'fallback'],
        modes: ['direct', 'parallel', 'passthrough', 'passthrough-parallel'],
        jobs: [4],
        blockSize: 4096,
        durationMs: 400,
        repeats: 1,
        delays: ['write=5ms'],
        backends: ['disk'],
        servers: ['c'],
        engines: null,
        iodepth: 8,
      },
      outDir: join(dir, 'out'),
      backing: join(dir, 'backing'),
      measureHarness: false,
      log: () => {},
    });
    // What was written is what we got, and it validates.
    const back = parseResults(JSON.parse(readFileSync(path, 'utf8')));
    assert.equal(back.cells.length, results.cells.length);

    const cell = (scenario: string, mode: string): Cell => {
      const c = results.cells.find((x) => x.scenario === scenario && x.mode === mode);
      assert.ok(c, `no cell ${scenario}/${mode}`);
      return c;
    };
    const show = (c: Cell): string => `${c.id}: ${c.status} ${c.reason ?? ''} ${JSON.stringify(c.serverStats['WRITE'] ?? {})}`;

    // Passthrough cells run where the kernel offers passthrough; elsewhere they say why not.
    const ptSkip = await passthroughSkip('the passthrough checks of the short matrix');
    const ptCell = (scenario: string, mode: string): Cell | null => {
      const c = cell(scenario, mode);
      if (!ptSkip) return c;
      assert.equal(c.status, 'unsupported', show(c));
      assert.ok(c.reason, 'an unsupported cell says why');
      return null;
    };
    assert.equal(cell('dio-write', 'parallel').lockPath, 'shared', show(cell('dio-write', 'parallel')));
    const ptp = ptCell('dio-write', 'passthrough-parallel');
    if (ptp) assert.equal(ptp.lockPath, 'shared', show(ptp));
    assert.equal(cell('dio-write', 'direct').lockPath, 'exclusive', show(cell('dio-write', 'direct')));
    assert.equal(cell('dio-write-extend', 'parallel').lockPath, 'exclusive', show(cell('dio-write-extend', 'parallel')));

    const pt = ptCell('read', 'passthrough');
    if (pt) {
      assert.equal(pt.status, 'ok');
      assert.ok((pt.ops['randread']?.count ?? 0) > 0 && (pt.ops['seqread']?.count ?? 0) > 0);
      assert.equal(pt.serverStats['READ']?.count ?? 0, 0, 'READs reached the server under passthrough');
    }
    assert.ok((cell('read', 'direct').serverStats['READ']?.count ?? 0) > 0, 'direct reads must reach the server');

    const mm = cell('mmap', 'direct');
    assert.equal(mm.status, 'unsupported', show(mm));
    assert.ok((mm.errors['ENODEV'] ?? 0) > 0, `ENODEV not recorded: ${JSON.stringify(mm.errors)}`);
    assert.deepEqual(mm.expectedErrors, ['ENODEV']);

    // The fallback needs DIRECT_IO_ALLOW_MMAP (6.6) to run, and the iomode state machine (6.9) for a
    // caching open or a shared mapping to serialise the writers: both decided from the kernel's offer.
    const fb = results.cells.find((c) => c.scenario === 'fallback');
    assert.ok(fb, 'no fallback cell');
    if (fb.status === 'unsupported') {
      assert.ok(fb.reason, 'an unsupported cell says why');
      skipWith(`the fallback time series: ${fb.reason}`);
    } else {
      assert.ok(fb.timeSeries && fb.phases, `fallback time series missing: ${show(fb)}`);
      const inPhase = (name: string): number[] => {
        const ph = fb.phases!.find((p) => p.name === name)!;
        // Whole sample intervals inside the phase (the first sample may straddle the boundary).
        return fb.timeSeries!.filter((p) => p.tMs >= ph.startMs + 100 && p.tMs + 100 <= ph.endMs).map((p) => p.writesInFlightMax);
      };
      const baseline = inPhase('baseline');
      assert.ok(Math.max(...baseline) > 1, `baseline not parallel: ${baseline}`);
      if (!hasIomode(await kernelOffer())) {
        skipWith('the fallback phases: the kernel has no iomode state machine (offered before protocol 7.40): caching opens do not serialise its writers');
      } else {
        const caching = inPhase('caching-open');
        const closed = inPhase('closed');
        assert.ok(caching.length > 0 && caching.every((n) => n === 1), `caching open did not serialise: ${caching}`);
        assert.ok(Math.max(...closed) > 1, `no recovery after close: ${closed}`);
        const mapped = [...inPhase('mmap-shared'), ...inPhase('munmap-fd-open')];
        assert.ok(mapped.length > 0 && mapped.every((n) => n === 1), `mmap did not serialise until close: ${mapped}`);
        assert.ok(Math.max(...inPhase('fd-closed')) > 1, 'no recovery after the mapping fd closed');
      }
    }

    // One .hgrm per cell and operation, next to results.json.
    for (const c of results.cells) for (const o of Object.values(c.ops)) if (o.count > 0) assert.ok(o.hgrm && existsSync(join(dir, 'out', o.hgrm)), `${c.id} hgrm`);
    assert.ok(results.probes.length === 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assertNoMountsLeft();
});
