// The report and the summary with the transport axis: cells run over /dev/fuse and io_uring stay
// apart (never merged as repeats of one cell), sit side by side with uring/dev ratios, and their
// CPU per op shows in the report's CPU section and in the terminal summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResults, type Cell, type Results } from '../bench/results/schema.js';
import { summaryTable } from '../bench/runner/summary.js';
import { groupCells } from '../bench/analysis/groups.js';
import { buildReport } from '../reports/report.js';
import { syntheticResults } from './helpers/synthetic-results.js';

const noLinks = { resultsHref: 'results.json', links: { hgrm: () => null } };

/** dio-write/parallel cells, each twice: dev with 40 µs server CPU per op, uring with 20 µs. */
function withTransports(): Results {
  const r = syntheticResults({ scenarios: ['dio-write'], modes: ['parallel'], delays: ['none'], repeats: 2, micro: false });
  const cpu = (c: Cell, perOp: number): Cell['cpu'] => {
    const ops = c.ops['write']!.count;
    return { ops, serverNs: perOp * ops, clientNs: 2 * perOp * ops, serverNsPerOp: perOp, clientNsPerOp: 2 * perOp };
  };
  const dev = r.cells.map((c) => ({ ...c, transport: 'dev', cpu: cpu(c, 40_000) }));
  const uring = r.cells.map((c) => ({ ...c, id: c.id.replace(/\/r(\d+)$/, '/uring/r$1'), transport: 'uring', cpu: cpu(c, 20_000) }));
  return parseResults({ ...r, cells: [...dev, ...uring] });
}

test('dev and uring cells are separate groups', () => {
  const r = withTransports();
  const groups = groupCells(r.cells);
  assert.equal(groups.length, 2);
  assert.deepEqual(groups.map((g) => [g.parts.transport, g.repeats.length]), [['dev', 2], ['uring', 2]]);
});

test('the report puts the transports side by side and lists CPU per op', () => {
  const { html } = buildReport(withTransports(), noLinks);
  const section = /<section id="transports">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  assert.match(section, /Transports side by side/);
  // Server CPU/op 40 µs over dev, 20 µs over uring: ratio 0.5.
  assert.match(section, /40\.0 µs<\/td><td class="num">20\.0 µs<\/td><td class="num">0\.500×/);
  const cpu = /<section id="cpu">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
  assert.match(cpu, /transport uring/);
  assert.match(cpu, /80\.0 µs/, 'client CPU/op of the dev cells');
});

test('no transports section when a run used one transport', () => {
  const r = syntheticResults({ scenarios: ['dio-write'], modes: ['parallel'], repeats: 1, micro: false });
  assert.doesNotMatch(buildReport(r, noLinks).html, /id="transports"/);
});

test('the summary tags uring cells and shows CPU per op', () => {
  const text = summaryTable(withTransports().cells);
  assert.match(text, /parallel \[uring\]/);
  assert.match(text, /srvCPU\/op/);
  const uringLine = text.split('\n').find((l) => l.includes('[uring]')) ?? '';
  assert.match(uringLine, /20\.0 µs\s+40\.0 µs/);
});
