// `kernels ab`: boot a base and a test kernel (Debian versions or local images), run the same command
// in both, and say what behaves differently — for a reviewer who wants to know what a patch series
// changes, and for a script that gates on it (exit 3).
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { abReport, type AbReport, type AbSide } from '../../reports/ab.js';
import { abHtml } from '../../reports/ab-html.js';
import { abText } from '../../reports/ab-text.js';
import { compareResults, DEFAULT_COMPARE, type Comparison } from '../analysis/compare.js';
import { readResultsFile } from '../../reports/load.js';
import { runKernels, type KernelRecord, type KernelsRunOptions, type KernelsRunSummary } from './matrix.js';
import type { KernelRequest } from './requests.js';

export const AB_LABELS = ['base', 'test'] as const;

export interface AbOptions extends Omit<KernelsRunOptions, 'requests' | 'distinct' | 'compare'> {
  base: KernelRequest;
  test: KernelRequest;
}

export interface AbOutcome {
  summary: KernelsRunSummary;
  /** Null when a side brought no results back (then `failure` says why) or the run was interrupted. */
  report: AbReport | null;
  comparison: Comparison | null;
  failure: string | null;
  text: string | null;
}

function sideOf(k: KernelRecord, results: string): AbSide {
  return {
    label: k.label ?? k.spec,
    release: k.abi ?? k.spec,
    source: k.image ? k.image.path : `Debian ${k.debVersion ?? '?'}`,
    sha256: k.image?.sha256 ?? null,
    config: k.image?.config ?? null,
    append: k.append,
    accel: k.accel,
    bootMs: k.bootMs,
    commandMs: k.commandMs,
    results,
  };
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}

export async function runAb(o: AbOptions): Promise<AbOutcome> {
  const summary = await runKernels({
    ...o,
    requests: [
      { ...o.base, label: AB_LABELS[0] },
      { ...o.test, label: AB_LABELS[1] },
    ],
    distinct: false,
    compare: false,
  });
  const none = { summary, report: null, comparison: null, text: null };
  if (summary.interrupted) return { ...none, failure: 'interrupted' };
  const sides = AB_LABELS.map((l) => summary.kernels.find((k) => k.label === l));
  const failed = sides.map((k, i) => (k?.results ? null : `${AB_LABELS[i]} ${k?.abi ?? k?.spec ?? ''}: ${k ? `${k.status}${k.error ? ` (${k.error})` : ''}` : 'did not run'}`)).filter((x): x is string => x !== null);
  if (failed.length > 0) return { ...none, failure: `no comparison: ${failed.join('; ')}` };
  const [b, t] = sides as [KernelRecord, KernelRecord];
  const inputs = [b, t].map((k) => ({ path: k.results!, results: readResultsFile(k.results!) }));
  const cmp = compareResults(inputs, { ...DEFAULT_COMPARE, labels: [...AB_LABELS] });
  const command = o.exec !== null ? ['--exec', o.exec] : (o.fusebenchArgs ?? []);
  const report = abReport(sideOf(b, b.results!), sideOf(t, t.results!), command, inputs[0]!.results, inputs[1]!.results, cmp);
  report.html = join(summary.outDir, 'ab.html');
  writeAtomic(report.html, abHtml(report, cmp));
  writeAtomic(join(summary.outDir, 'ab.json'), JSON.stringify(report, null, 2) + '\n');
  const text = abText(report, cmp);
  writeAtomic(join(summary.outDir, 'ab.txt'), text);
  return { summary, report, comparison: cmp, failure: null, text };
}
