// The HTML report: self-contained (no script, no external asset), every chart carries its series,
// hostile strings render as text, untrusted files are validated with errors that name the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { writeHgrms } from '../bench/runner/output.js';
import { mergeEncoded } from '../bench/hist/histogram.js';
import { fmtNs } from '../bench/format.js';
import { mergeService } from '../bench/analysis/service.js';
import { ResultsError, type Results } from '../bench/results/schema.js';
import { buildReport, writeReport } from '../reports/report.js';
import { parseResultsText } from '../reports/load.js';
import { checkSvg } from '../reports/charts.js';
import { escapeHtml, safeRelativeHref } from '../reports/html.js';
import { registerReport } from '../bench/cli/commands/report.js';
import { FailError } from '../bench/cli/errors.js';
import { HOSTILE, hostileResults, syntheticResults } from './helpers/synthetic-results.js';

const noLinks = { resultsHref: 'results.json', links: { hgrm: () => null } };

/** A run directory as `fusebench run` leaves it: results.json and hgrm/ files. */
function runDir(r: Results): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-report-'));
  for (const c of r.cells) writeHgrms(dir, c);
  const path = join(dir, 'results.json');
  writeFileSync(path, JSON.stringify(r));
  return { dir, path };
}

/** Tags that can run code or load something, and event-handler attributes, anywhere in the markup. */
function activeMarkup(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/<\/?([A-Za-z][\w:-]*)([^>]*)>/g)) {
    const name = m[1]!.toLowerCase();
    if (['script', 'iframe', 'img', 'object', 'embed', 'link', 'foreignobject', 'image', 'base', 'form'].includes(name)) found.push(m[0]);
    const attrs = (m[2] ?? '').replace(/"[^"]*"/g, '""');
    if (/(^|\s)(on[a-z]+|src)\s*=/i.test(attrs)) found.push(m[0]);
  }
  for (const m of html.matchAll(/href="([^"]*)"/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(m[1]!) || m[1]!.startsWith('//')) found.push(m[0]);
  }
  // url(#id) is an in-document reference (SVG clip paths); anything else would load something.
  if (/url\(\s*['"]?(?!#)|@import/i.test(html)) found.push('css url()/@import');
  return found;
}

test('default-run report: self-contained, ≤ 2 MB, every chart has its series', () => {
  const r = syntheticResults({ seed: 7 });
  const { html, charts } = buildReport(r, noLinks);
  assert.ok(Buffer.byteLength(html) <= 2 * 1024 * 1024, `report is ${Buffer.byteLength(html)} bytes`);
  assert.deepEqual(activeMarkup(html), []);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);

  // One spectrum per scenario block and operation; every mode that ran is a series.
  const spectra = charts.filter((c) => c.kind === 'spectrum');
  const blocks = new Set(r.cells.filter((c) => c.status === 'ok').flatMap((c) => Object.keys(c.ops).map((op) => JSON.stringify([c.scenario, c.delay, c.engine, op]))));
  assert.equal(spectra.length, blocks.size);
  const dioModes = new Set(r.cells.filter((c) => c.scenario === 'dio-write' && c.delay === 'none' && c.status === 'ok').map((c) => c.mode));
  assert.equal(spectra[0]!.series, dioModes.size);
  assert.ok(charts.some((c) => c.kind === 'timeseries' && c.series === 4));
  assert.ok(charts.some((c) => c.kind === 'lockpath'));
  assert.ok(charts.some((c) => c.kind === 'throughput'));
  for (const c of charts) {
    // ECharts tags each drawn data element with its series index: every series must appear.
    const idx = new Set([...c.svg.matchAll(/ecmeta_series_index="(\d+)"[^>]*ecmeta_ssr_type="chart"/g)].map((m) => m[1]));
    assert.equal(idx.size, c.series, `${c.id} (${c.kind}) draws ${idx.size} of ${c.series} series`);
    assert.ok(html.includes(`id="${c.id}" data-chart-kind="${c.kind}" data-series="${c.series}"`));
  }
  // Sections the issue asks for.
  for (const s of ['id="environment"', 'id="probes"', 'id="files"', 'INIT flag', 'closed-loop', 'max in flight']) assert.ok(html.includes(s), s);
  for (const p of r.probes) assert.ok(html.includes(escapeHtml(p.id)));
});

test('percentiles come from merged histograms of the repeats, not averaged', () => {
  const r = syntheticResults({ seed: 3, scenarios: ['dio-write'], modes: ['direct'], delays: ['none'], repeats: 3, repeatNoise: 0.2 });
  const { html } = buildReport(r, noLinks);
  const merged = mergeEncoded(r.cells.map((c) => c.ops['write']!.histogram));
  const m = /<td class="ok">ok \(3×\)<\/td><td class="mono">write<\/td>\s*<td class="num">([^<]+)<\/td><td class="num">([^<]+)<\/td>/.exec(html);
  assert.ok(m, 'cell row present');
  assert.equal(m[1], escapeHtml(fmtNs(merged.getValueAtPercentile(50))));
  assert.equal(m[2], escapeHtml(fmtNs(merged.getValueAtPercentile(99))));
  assert.equal(merged.totalCount, 3 * 2000);
  merged.destroy();
});

test('the server\'s service time stands beside the client\'s latency; the difference is the kernel\'s share', () => {
  const r = syntheticResults({ seed: 5, scenarios: ['dio-write', 'read'], modes: ['direct', 'passthrough'], delays: ['write=200us'], repeats: 2, samples: 500 });
  const { html } = buildReport(r, noLinks);
  // One table per block (scenario and variant).
  const table = [...html.matchAll(/<table class="service">(.*?)<\/table>/gs)].map((m) => m[1]!).join('');
  assert.ok(table, 'service tables present');
  const row = (mode: string, op: string): string[] => {
    const m = new RegExp(`<tr><td>${mode}</td><td class="mono">${op}</td>(.*?)</tr>`, 's').exec(table);
    assert.ok(m, `row ${mode} ${op}`);
    return [...m[1]!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((x) => x[1]!);
  };
  // direct: one WRITE per pwrite, so kernel = client − server, from the repeats' merged buckets.
  const cells = r.cells.filter((c) => c.scenario === 'dio-write' && c.mode === 'direct');
  const merged = mergeEncoded(cells.map((c) => c.ops['write']!.histogram));
  const service = mergeService(cells.map((c) => c.serverStats['WRITE']!.service!))!;
  const [opcode, perCall, cP50, sP50, kP50, cP99, sP99, kP99] = row('direct', 'write');
  assert.equal(opcode, 'WRITE');
  assert.equal(perCall, '1.00');
  assert.equal(cP50, escapeHtml(fmtNs(merged.getValueAtPercentile(50))));
  assert.equal(sP50, escapeHtml(fmtNs(service.p50Ns)));
  assert.equal(kP50, escapeHtml(fmtNs(merged.getValueAtPercentile(50) - service.p50Ns)));
  assert.equal(cP99, escapeHtml(fmtNs(merged.getValueAtPercentile(99))));
  assert.equal(sP99, escapeHtml(fmtNs(service.p99Ns)));
  assert.equal(kP99, escapeHtml(fmtNs(merged.getValueAtPercentile(99) - service.p99Ns)));
  assert.equal(service.requests, 2 * 500);
  merged.destroy();
  // passthrough writes never reach the server: no share, and the row says why.
  const pt = row('passthrough', 'write');
  assert.equal(pt[1], '0.00');
  assert.match(pt[8]!, /saw no WRITE/);
  // Both reads of the read scenario send READ: the server's histogram cannot be split between them.
  assert.match(row('direct', 'randread')[8]!, /several operations/);
});

test('a hostile results file renders as text', () => {
  const r = hostileResults();
  const { html, charts } = buildReport(r, { resultsHref: 'results.json', links: { hgrm: (p) => safeRelativeHref(p) } });
  assert.deepEqual(activeMarkup(html), []);
  for (const s of [HOSTILE.kernelRelease, HOSTILE.kernelVersion, HOSTILE.cpu, HOSTILE.scenario, HOSTILE.probe, HOSTILE.micro]) {
    assert.ok(html.includes(escapeHtml(s)), `escaped text of ${s}`);
  }
  // Inside the SVG charts too (ECharts escapes; checkSvg double-checks).
  assert.ok(charts.length > 0);
  for (const c of charts) checkSvg(c.svg);
  assert.ok(charts.some((c) => c.svg.includes('&lt;script&gt;alert(&quot;scenario&quot;)&lt;/script&gt;') || c.svg.includes('&lt;script&gt;alert("scenario")&lt;/script&gt;')));
  assert.ok(!/href="[^"]*javascript/i.test(html), 'a javascript: .hgrm path is never a link');
  assert.ok(!/href="[^"]*passwd/.test(html), 'a ../ .hgrm path is never a link');
  assert.ok(html.includes(escapeHtml(HOSTILE.reason)), 'a reason with a javascript: link shows as text');
});

test('checkSvg refuses active SVG', () => {
  assert.throws(() => checkSvg('<svg><script>alert(1)</script></svg>'));
  assert.throws(() => checkSvg('<svg><rect onclick="x()"/></svg>'));
  assert.throws(() => checkSvg('<svg><foreignObject></foreignObject></svg>'));
  assert.throws(() => checkSvg('<svg><a xlink:href="javascript:x"></a></svg>'));
  checkSvg('<svg><text>&lt;script&gt; onload=x</text></svg>');
});

test('safeRelativeHref accepts run-relative paths only', () => {
  assert.equal(safeRelativeHref('hgrm/dio-write_direct_r0_write.hgrm'), 'hgrm/dio-write_direct_r0_write.hgrm');
  for (const bad of ['javascript:alert(1)', '/etc/passwd', '../x.hgrm', 'a/../../b', 'hgrm//x', 'x"onload=y', 'http://e/x', '']) {
    assert.equal(safeRelativeHref(bad), null, bad);
  }
});

test('untrusted input: errors name the bad field and the schema version', () => {
  const good = syntheticResults({ scenarios: ['dio-write'], modes: ['direct'], delays: ['none'], repeats: 1, samples: 200 });
  // `any`: free-form edits of a JSON copy, to make it invalid in exactly one place.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const mutate = (f: (x: Record<string, any>) => void): string => {
    const x = JSON.parse(JSON.stringify(good)) as Record<string, any>;
    f(x);
    return JSON.stringify(x);
  };
  const err = (text: string): string => {
    try {
      parseResultsText(text, 'their.json');
    } catch (e) {
      assert.ok(e instanceof ResultsError, String(e));
      return e.message;
    }
    assert.fail('accepted');
  };
  assert.match(err(mutate((x) => delete x['host'].kernelRelease)), /their\.json: invalid field host\.kernelRelease/);
  assert.match(err(mutate((x) => (x['cells'][0].jobs = -1))), /invalid field cells\.0\.jobs/);
  assert.match(err(mutate((x) => (x['schemaVersion'] = 2))), /schemaVersion 2 is not supported \(this fusebench reads schemaVersion 1\)/);
  assert.match(err(mutate((x) => delete x['schemaVersion'])), /schemaVersion/);
  assert.match(err(mutate((x) => (x['cells'][0].ops.write.histogram = 'AAAA'))), /invalid field cells\.0\.ops\.write\.histogram/);
  assert.match(err('{"schemaVersion": 1,'), /not valid JSON/);
  assert.match(err('[1,2]'), /not a fusebench results document/);
  // A compressed histogram that inflates to 64 MiB is refused before anything decodes it.
  const bombBody = deflateSync(Buffer.alloc(64 << 20));
  const head = Buffer.alloc(8);
  head.writeInt32BE(0x1c849304 | 0x10, 0);
  head.writeInt32BE(bombBody.length, 4);
  const bomb = Buffer.concat([head, bombBody]).toString('base64');
  assert.match(err(mutate((x) => (x['cells'][0].ops.write.histogram = bomb))), /cells\.0\.ops\.write\.histogram: cannot inflate/);
  // The good one passes.
  parseResultsText(JSON.stringify(good), 'good.json');
});

test('writeReport: index.html beside results.json, links to existing .hgrm files', (t) => {
  const r = syntheticResults({ seed: 5, scenarios: ['dio-write', 'read'], repeats: 2, samples: 500 });
  const { dir, path } = runDir(r);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = writeReport(path);
  assert.equal(out.path, join(dir, 'index.html'));
  const html = readFileSync(out.path, 'utf8');
  const hrefs = [...html.matchAll(/href="([^"#][^"]*)"/g)].map((m) => decodeURIComponent(m[1]!));
  const hgrms = hrefs.filter((h) => h.endsWith('.hgrm'));
  const expected = r.cells.flatMap((c) => Object.values(c.ops)).filter((o) => o.count > 0).length;
  assert.equal(hgrms.length, expected);
  for (const h of hrefs) assert.ok(existsSync(resolve(dir, h)), `link target ${h} exists`);
  assert.ok(hrefs.includes('results.json'));
});

test('writeReport -o elsewhere: copies results.json, links back to the .hgrm files', (t) => {
  const r = syntheticResults({ seed: 6, scenarios: ['dio-write'], repeats: 1, delays: ['none'], samples: 300 });
  const { dir, path } = runDir(r);
  const other = join(dir, 'elsewhere', 'deeper');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = writeReport(path, other);
  assert.ok(existsSync(join(other, 'results.json')));
  const html = readFileSync(out.path, 'utf8');
  const hgrms = [...html.matchAll(/href="([^"]+\.hgrm)"/g)].map((m) => decodeURIComponent(m[1]!));
  assert.ok(hgrms.length > 0);
  for (const h of hgrms) {
    assert.ok(h.startsWith('../../hgrm/'), h);
    assert.ok(existsSync(resolve(dirname(out.path), h)));
  }
});

test('report command: writes the report, refuses a bad file with FailError naming the field', async (t) => {
  const r = syntheticResults({ seed: 8, scenarios: ['read'], repeats: 1, samples: 300 });
  const { dir, path } = runDir(r);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const program = new Command().exitOverride();
  registerReport(program);
  const out = join(dir, 'r');
  const write = process.stdout.write;
  const errWrite = process.stderr.write;
  let stdout = '';
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await program.parseAsync(['report', path, '-o', out, '--json'], { from: 'user' });
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
  const doc = JSON.parse(stdout) as { report: string; bytes: number };
  assert.equal(doc.report, join(out, 'index.html'));
  assert.equal(statSync(doc.report).size, doc.bytes);

  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ ...r, tool: { name: 'fusebench' } }));
  mkdirSync(join(dir, 'b'));
  const p2 = new Command().exitOverride();
  registerReport(p2);
  await assert.rejects(p2.parseAsync(['report', bad, '-o', join(dir, 'b')], { from: 'user' }), (e: unknown) => e instanceof FailError && /invalid field tool\.version/.test(e.message));
  assert.ok(!existsSync(join(dir, 'b', 'index.html')));
});
