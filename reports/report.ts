// `fusebench report`: one self-contained index.html per run — inline SVG charts, inline CSS, no
// script, no external asset — so it opens offline and survives being attached to an email.
import { copyFileSync, existsSync, mkdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Results } from '../bench/results/schema.js';
import { cellLabel, groupCells, groupStatus, lockSummary, serverBoundOf, type CellGroup } from '../bench/analysis/groups.js';
import type { Chart } from './charts.js';
import { environmentSection, harnessTable, microTable, probeTable } from './report-env.js';
import { ChartIds, scenarioSections, serverKindsSection, type ReportLinks } from './report-scenarios.js';
import { html, page, safeRelativeHref, type SafeHtml } from './html.js';
import { cpuSection, transportsSection } from './report-cpu.js';
import { readResultsFile } from './load.js';
import { latticeSection } from './lattice-html.js';

export interface ReportOptions {
  /** href of the raw results.json from the page, or null for no link. */
  resultsHref: string | null;
  links: ReportLinks;
}

export interface BuiltReport {
  html: string;
  charts: Chart[];
}

function summary(r: Results): SafeHtml {
  const groups = groupCells(r.cells);
  const by = (s: string): number => groups.filter((g) => groupStatus(g).status === s).length;
  const locks = groups.map(lockSummary).filter((l) => l !== null);
  const shared = locks.filter((l) => l.verdict === 'shared').length;
  const exclusive = locks.filter((l) => l.verdict === 'exclusive').length;
  const repeats = Math.max(0, ...groups.map((g) => g.repeats.length));
  return html`<p>${groups.length} cells (${r.cells.length} runs, up to ${repeats} repeats each): ${by('ok')} ok, ${by('unsupported')} unsupported, ${by('error')} error.
Lock path seen by the server: ${shared} shared, ${exclusive} exclusive.
Probes: ${r.probes.filter((p) => p.verdict === 'pass').length} pass, ${r.probes.filter((p) => p.verdict === 'fail').length} fail, ${r.probes.filter((p) => p.verdict === 'unsupported').length} unsupported.</p>`;
}

function serverBoundWarning(groups: CellGroup[]): SafeHtml | '' {
  const bound = groups.filter((g) => serverBoundOf(g) !== null);
  if (bound.length === 0) return '';
  return html`<div class="warn">${bound.length} cell${bound.length === 1 ? ' was' : 's were'} <b>server-bound</b>: every thread of fusebench's server was busy at some moment, so further requests waited in the kernel for one, and the in-flight counts and throughput may describe the server, not the kernel (${bound.map((g) => cellLabel(g.parts)).join('; ')}).</div>`;
}

export function buildReport(r: Results, o: ReportOptions): BuiltReport {
  const ids = new ChartIds();
  const groups = groupCells(r.cells);
  const scen = scenarioSections(r, groups, o.links, ids);
  const servers = serverKindsSection(groups);
  const transports = transportsSection(groups);
  const cpu = cpuSection(groups);
  const micro = r.micro && r.micro.length > 0 ? r.micro : null;
  const scenarioNames = [...new Set(r.cells.map((c) => c.scenario))];
  const title = `fusebench — ${r.host.kernelRelease}`;
  const body = html`<header><h1>${title}</h1>
<p class="muted">${r.tool.name} ${r.tool.version} · ${r.host.hostname ?? ''} · ${r.host.cpu} · started ${r.startedAt}${r.host.emulated ? ' · emulated (timings not comparable with native)' : ''}</p>
${r.interrupted ? html`<div class="warn">This run was interrupted: only the cells shown finished.</div>` : ''}
${serverBoundWarning(groups)}
${summary(r)}
<nav>${r.lattice ? html`<a href="#lattice">flag lattice</a>` : ''}<a href="#environment">environment</a><a href="#probes">probes</a>${scenarioNames.map((name, i) => html`<a href="#scenario-${i}">${name}</a>`)}${servers ? html`<a href="#server-kinds">server kinds</a>` : ''}${transports ? html`<a href="#transports">transports</a>` : ''}${cpu ? html`<a href="#cpu">CPU</a>` : ''}${micro ? html`<a href="#micro">micro</a>` : ''}<a href="#files">files</a></nav>
</header>
${r.lattice ? latticeSection(r.lattice) : ''}
${environmentSection(r)}
<section id="probes"><h2>Conformance probes</h2>${probeTable(r.probes)}</section>
${scen}
${servers ?? ''}
${transports ?? ''}
${cpu ?? ''}
${micro ? html`<section id="micro"><h2>Per-call costs (micro)</h2>${microTable(micro)}</section>` : ''}
<section id="files"><h2>Files and method</h2>
<p>${o.resultsHref ? html`Raw results: <a href="${o.resultsHref}">results.json</a>. ` : ''}Latency histograms of each cell and operation as <code>.hgrm</code> (HdrHistogram percentile distribution, µs) are linked in the cell tables (r0, r1, … are repeats).</p>
<p class="note">Percentiles are read from HDR histograms (3 significant digits) merged exactly across jobs and repeats — never averaged. Throughput is the median over repeats, with the range of the repeats in brackets.</p>
${harnessTable(r)}
</section>`;
  return { html: page(title, body), charts: ids.charts };
}

function hrefPrefix(fromDir: string, toDir: string): string {
  const rel = relative(fromDir, toDir);
  if (rel === '') return '';
  return rel.split(sep).map(encodeURIComponent).join('/') + '/';
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/**
 * Writes DIR/index.html for RESULTS (validated first) and, when DIR is not the results' directory and
 * has no results.json yet, copies it there. Returns the path of index.html.
 */
export function writeReport(resultsPath: string, outDir?: string): { path: string; bytes: number; results: Results } {
  const r = readResultsFile(resultsPath);
  const resultsDir = dirname(resolve(resultsPath));
  const dir = resolve(outDir ?? resultsDir);
  mkdirSync(dir, { recursive: true });
  let resultsHref: string;
  if (samePath(resultsDir, dir)) {
    resultsHref = encodeURIComponent(basename(resultsPath));
  } else {
    const copy = join(dir, 'results.json');
    if (!existsSync(copy)) copyFileSync(resultsPath, copy);
    resultsHref = 'results.json';
  }
  const prefix = hrefPrefix(dir, resultsDir);
  const links: ReportLinks = {
    hgrm: (p) => {
      const safe = safeRelativeHref(p);
      if (safe === null) return null;
      return existsSync(join(resultsDir, p)) ? prefix + safe : null;
    },
  };
  const built = buildReport(r, { resultsHref, links });
  const path = join(dir, 'index.html');
  // Atomic, as results.json is: a half-written report must never replace a good one.
  writeFileSync(path + '.tmp', built.html);
  renameSync(path + '.tmp', path);
  return { path, bytes: Buffer.byteLength(built.html), results: r };
}
