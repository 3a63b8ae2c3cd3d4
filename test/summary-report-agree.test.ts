// The terminal summary and the HTML report read one results file the same way: every cell and
// operation shows the same p50 and p99 in both (the repeats' histograms merged — the old terminal
// took the median of per-repeat percentiles and disagreed with the report by up to ~30 % at p99).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareResults } from '../bench/analysis/compare.js';
import { groupCells, groupOps } from '../bench/analysis/groups.js';
import { repeatSamples } from '../bench/analysis/latency.js';
import { median } from '../bench/analysis/stats.js';
import { fmtNs } from '../bench/format.js';
import { packageRoot } from '../bench/paths.js';
import { writeHgrms } from '../bench/runner/output.js';
import { readResultsFile } from '../reports/load.js';
import type { Results } from '../bench/results/schema.js';
import { syntheticResults } from './helpers/synthetic-results.js';

const MAIN = join(packageRoot(), 'dist', 'bench', 'cli', 'main.js');

interface Shown {
  p50: string;
  p99: string;
}

/** Rows of `fusebench report --summary` by (scenario, mode, delay, jobs, op). */
function terminalRows(text: string): Map<string, Shown> {
  const lines = text.split('\n');
  const head = lines[0]!.trim().split(/\s{2,}/);
  const col = (name: string): number => head.indexOf(name);
  const out = new Map<string, Shown>();
  for (const line of lines.slice(2)) {
    if (line.trim() === '' || line.startsWith('(')) continue;
    const f = line.trim().split(/\s{2,}/);
    if (f.length < head.length || f[col('op')] === '-') continue;
    const key = JSON.stringify([f[col('scenario')], f[col('mode')], f[col('delay')], Number(f[col('jobs')]), f[col('op')]]);
    assert.equal(out.has(key), false, `two terminal rows for ${key}`);
    out.set(key, { p50: f[col('p50')]!, p99: f[col('p99')]! });
  }
  return out;
}

/** Rows of the report's cell tables by their data-key (the cell key) and data-op. */
function reportRows(html: string): Map<string, Shown> {
  const out = new Map<string, Shown>();
  const unescape = (s: string): string => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const m of html.matchAll(/<tr data-key="([^"]*)" data-op="([^"]*)">(.*?)<\/tr>/gs)) {
    const nums = [...m[3]!.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((x) => unescape(x[1]!));
    const [scenario, mode, , jobs, , , , delay] = JSON.parse(unescape(m[1]!)) as [string, string, string, number, number, string, string, string];
    out.set(JSON.stringify([scenario, mode, delay, jobs, unescape(m[2]!)]), { p50: nums[0]!, p99: nums[1]! });
  }
  return out;
}

function runDir(r: Results): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-agree-'));
  for (const c of r.cells) writeHgrms(dir, c);
  const path = join(dir, 'results.json');
  writeFileSync(path, JSON.stringify(r));
  return { dir, path };
}

test('terminal summary and report print the same p50/p99 for every cell of one results file', () => {
  // Repeats that wobble (20 %) and few samples, so per-repeat medians and the merge tell apart.
  const r = syntheticResults({ seed: 11, repeats: 3, repeatNoise: 0.2, samples: 400 });
  const { dir, path } = runDir(r);
  try {
    const cli = spawnSync(process.execPath, [MAIN, 'report', path, '--summary'], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    const term = terminalRows(cli.stdout);
    const report = reportRows(readFileSync(join(dir, 'index.html'), 'utf8'));

    let rows = 0;
    let medianWouldDiffer = 0;
    for (const g of groupCells(r.cells)) {
      for (const op of groupOps(g)) {
        const key = JSON.stringify([g.parts.scenario, g.parts.mode, g.parts.delay, g.parts.jobs, op]);
        const t = term.get(key);
        const h = report.get(key);
        assert.ok(t, `terminal has no row for ${key}`);
        assert.ok(h, `report has no row for ${key}`);
        assert.deepEqual(t, h, `${key}: terminal ${JSON.stringify(t)} vs report ${JSON.stringify(h)}`);
        rows++;
        // The data must be able to catch the old way (median of per-repeat percentiles).
        const s = repeatSamples(g, op)!;
        if (s.p50.length > 1 && fmtNs(median(s.p99)) !== t.p99) medianWouldDiffer++;
      }
    }
    assert.equal(term.size, rows, 'terminal rows without a cell');
    assert.equal(report.size, rows, 'report rows without a cell');

    // compare shows the same absolute p50/p99 for the file (its ratios use the per-repeat samples).
    const same = readResultsFile(path);
    const cmp = compareResults([{ path, results: same }, { path, results: same }]);
    for (const row of cmp.timing) {
      const v = row.values[0]!;
      const g = groupCells(same.cells).find((x) => x.key === row.key)!;
      const key = JSON.stringify([g.parts.scenario, g.parts.mode, g.parts.delay, g.parts.jobs, row.op]);
      assert.deepEqual({ p50: fmtNs(v.mergedP50Ns), p99: fmtNs(v.mergedP99Ns) }, term.get(key), `compare ${key}`);
    }
    assert.equal(cmp.timing.length, rows);
    assert.ok(rows > 20, `only ${rows} rows compared`);
    assert.ok(medianWouldDiffer > 0, 'the test data cannot tell merged percentiles from medians of repeats');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('report --summary and --json together are refused with exit 2', () => {
  const r = syntheticResults({ scenarios: ['dio-write'], modes: ['direct'], delays: ['none'], repeats: 1, samples: 50 });
  const { dir, path } = runDir(r);
  try {
    const cli = spawnSync(process.execPath, [MAIN, 'report', path, '--summary', '--json'], { encoding: 'utf8' });
    assert.equal(cli.status, 2, cli.stderr);
    assert.match(cli.stderr, /--json and --summary/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
