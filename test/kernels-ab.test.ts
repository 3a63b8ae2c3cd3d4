// `kernels ab` without booting: what counts as changed behaviour (and so as exit status 3), and what
// its report says, from synthetic results of two kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abReport, behaviourDiff, BEHAVIOUR_DIMENSIONS, EXIT_BEHAVIOUR_CHANGED, type AbSide } from '../reports/ab.js';
import { abText } from '../reports/ab-text.js';
import { abHtml } from '../reports/ab-html.js';
import { compareResults, DEFAULT_COMPARE } from '../bench/analysis/compare.js';
import type { Results } from '../bench/results/schema.js';
import { syntheticResults } from './helpers/synthetic-results.js';

function side(label: string, release: string, accel = 'tcg'): AbSide {
  return { label, release, source: `Debian ${release}`, sha256: null, config: null, append: [], accel, bootMs: 12_000, commandMs: 48_000, results: `${label}/results.json` };
}

function ab(a: Results, b: Results) {
  const cmp = compareResults(
    [
      { path: 'base/results.json', results: a },
      { path: 'test/results.json', results: b },
    ],
    { ...DEFAULT_COMPARE, labels: ['base', 'test'] },
  );
  return { cmp, report: abReport(side('base', a.host.kernelRelease), side('test', b.host.kernelRelease), ['probe', '--json'], a, b, cmp) };
}

test('the same behaviour twice is unchanged (exit 0), whatever the timings', () => {
  // Two runs of one kernel: different seeds make different timings, the behaviour is the same.
  const { report, cmp } = ab(syntheticResults({ seed: 1, emulated: true }), syntheticResults({ seed: 2, emulated: true }));
  assert.equal(report.verdict, 'unchanged');
  assert.equal(report.exitCode, 0);
  assert.deepEqual(report.dimensions.map((d) => d.id), BEHAVIOUR_DIMENSIONS.map((d) => d.id));
  for (const d of report.dimensions) assert.deepEqual(d.changes, [], d.id);
  assert.ok(report.dimensions.find((d) => d.id === 'probes')!.compared > 0);
  assert.ok(report.dimensions.find((d) => d.id === 'lock-paths')!.compared > 0);
  assert.equal(cmp.inputs[0]!.label, 'base');
  assert.ok(report.timings.emulated);
  assert.ok(report.timings.cells, 'the timed cells are counted');
});

test('flipped probe verdicts and a changed INIT flag are changed behaviour (exit 3)', () => {
  const a = syntheticResults({ seed: 1, kernelRelease: '6.1.0-50-amd64', emulated: true });
  const b = syntheticResults({ seed: 1, kernelRelease: '6.12.117+deb13-amd64', emulated: true, probeFlip: ['parallel-shared'], initNegotiated: ['ASYNC_READ', 'PARALLEL_DIROPS', 'DIRECT_IO_ALLOW_MMAP', 'MAX_PAGES'] });
  const { report, cmp } = ab(a, b);
  assert.equal(report.verdict, 'changed');
  assert.equal(report.exitCode, EXIT_BEHAVIOUR_CHANGED);
  const probes = report.dimensions.find((d) => d.id === 'probes')!;
  assert.deepEqual(probes.changes.map((c) => c.key), ['parallel-shared']);
  assert.notEqual(probes.changes[0]!.base, probes.changes[0]!.test);
  const init = report.dimensions.find((d) => d.id === 'init')!;
  assert.deepEqual(init.changes.map((c) => [c.key, c.base, c.test]), [['PASSTHROUGH', 'offered, negotiated', 'offered']]);
  const text = abText(report, cmp);
  assert.match(text, /verdict: behaviour changed \(exit 3\)/);
  assert.match(text, /Probe verdicts: 1 of \d+ changed/);
  assert.ok(text.indexOf('What changed') < text.indexOf('Timings'), 'what changed comes first, timings after');
  assert.match(text, /Timings — emulated \(QEMU TCG\)/);
  const html = abHtml(report, cmp);
  assert.ok(html.indexOf('id="changed"') < html.indexOf('id="timing"'), 'the first section of the page is what changed');
  assert.match(html, /Timings against the baseline — emulated \(QEMU TCG\)/);
  assert.match(html, /parallel-shared/);
});

test('a probe-only comparison has no cells: nothing to compare there, and no timed cells', () => {
  const strip = (r: Results): Results => ({ ...r, cells: [] });
  const { report, cmp } = ab(strip(syntheticResults({ seed: 1 })), strip(syntheticResults({ seed: 1 })));
  assert.equal(report.dimensions.find((d) => d.id === 'lock-paths')!.compared, 0);
  assert.equal(report.timings.cells, null);
  assert.match(abText(report, cmp), /Lock paths and cell status: nothing to compare/);
  assert.equal(behaviourDiff(strip(syntheticResults({ seed: 1 })), strip(syntheticResults({ seed: 1 })), cmp, []).length, 0, 'dimensions are the registry');
});
