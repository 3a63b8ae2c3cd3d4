// `fusebench compare A.json B.json [C.json…]`: kernels side by side, timings with significance.
import type { Command } from 'commander';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ResultsError } from '../../results/schema.js';
import { VARIANT_AXES, type VariantAxis } from '../../analysis/groups.js';
import { compareResults, CompareError, DEFAULT_COMPARE, type CompareInput } from '../../analysis/compare.js';
import { compareHtml } from '../../../reports/compare-html.js';
import { compareText } from '../../../reports/compare-text.js';
import { readResultsFile } from '../../../reports/load.js';
import { FailError, UsageError } from '../errors.js';
import { parseList, parsePositiveInt } from '../parse.js';

interface CompareFlags {
  out?: string;
  json?: boolean;
  threshold?: string;
  confidence?: string;
  resamples?: string;
  seed?: string;
  ignore?: string;
  all?: boolean;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
}

/** `5%`, `5`, `0.05` → 0.05 (a bare number ≥ 1 is read as percent). */
export function parsePercent(v: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(%?)$/.exec(v.trim());
  if (!m) throw new UsageError(`${what} "${v}" is not a percentage (e.g. 5%)`);
  const x = Number(m[1]);
  const frac = m[2] === '%' || x >= 1 ? x / 100 : x;
  if (!(frac >= 0 && frac < 1)) throw new UsageError(`${what} "${v}" must be between 0 and 100%`);
  return frac;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .summary('compare runs (kernels) side by side, with significance')
    .description(
      'Compare two or more results files, the first being the baseline. Behaviour (INIT flags offered and negotiated, ' +
        'capabilities, probe verdicts, lock-path verdicts, cell status) is shown as one table per dimension with one column ' +
        'per input, labelled by kernel release, changes highlighted. Timings: for every cell and operation, the ratio to the ' +
        'baseline of p50, p99 and throughput, with a bootstrap confidence interval of the ratio of medians across repeats, ' +
        'classified faster / slower / no significant change against a noise threshold. Warns when the runs differ in more ' +
        'than the kernel (CPU, backend, tool version, emulated vs native); emulated timings are not compared with native ones. ' +
        'Writes DIR/compare.html and prints a terminal table (to stderr with --json).',
    )
    .argument('<results...>', 'results.json files: baseline first, then one or more to compare with it')
    .option('-o, --out <dir>', 'output directory for compare.html (default: out/compare-<timestamp>)')
    .option('--json', 'print the comparison as one JSON document on stdout (method, inputs, warnings, matrices, timing rows)')
    .option('--threshold <pct>', 'noise threshold: changes within ±this are never called (default 5%)')
    .option('--confidence <pct>', 'confidence level of the intervals (default 95%)')
    .option('--resamples <n>', 'bootstrap resamples per ratio (default 2000)')
    .option('--seed <n>', 'bootstrap seed; same seed and inputs give the same intervals (default 1)')
    .option('--ignore <axes>', `comma list of cell-key axes to leave out when matching cells (${VARIANT_AXES.join(', ')}); axes that hold one different value in each input are left out automatically`)
    .option('--all', 'list every timed cell in the terminal table, not only the changed ones')
    .action((paths: string[], f: CompareFlags) => {
      if (paths.length < 2) throw new UsageError('compare needs at least two results files: fusebench compare BASELINE.json OTHER.json [MORE.json…]');
      const o = { ...DEFAULT_COMPARE };
      if (f.threshold !== undefined) o.threshold = parsePercent(f.threshold, '--threshold');
      if (f.confidence !== undefined) {
        o.confidence = parsePercent(f.confidence, '--confidence');
        if (o.confidence < 0.5) throw new UsageError('--confidence must be at least 50%');
      }
      if (f.resamples !== undefined) {
        o.resamples = parsePositiveInt(f.resamples, '--resamples');
        if (o.resamples < 100 || o.resamples > 1_000_000) throw new UsageError('--resamples must be between 100 and 1000000');
      }
      if (f.seed !== undefined) o.seed = parsePositiveInt(f.seed, '--seed');
      if (f.ignore !== undefined) {
        const axes = parseList(f.ignore);
        for (const a of axes) if (!(VARIANT_AXES as readonly string[]).includes(a)) throw new UsageError(`--ignore: "${a}" is not one of ${VARIANT_AXES.join(', ')}`);
        o.ignore = axes as VariantAxis[];
      }
      const inputs: CompareInput[] = paths.map((p) => {
        try {
          return { path: p, results: readResultsFile(p) };
        } catch (e) {
          if (e instanceof ResultsError) throw new FailError(e.message);
          throw e;
        }
      });
      let cmp;
      try {
        cmp = compareResults(inputs, o);
      } catch (e) {
        if (e instanceof CompareError) throw new UsageError(e.message);
        throw e;
      }
      const dir = resolve(f.out ?? join('out', `compare-${stamp()}`));
      const path = join(dir, 'compare.html');
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(path + '.tmp', compareHtml(cmp));
        renameSync(path + '.tmp', path);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new FailError(`cannot write ${path}: ${err.code ?? err.message}`);
      }
      const text = compareText(cmp, { all: f.all ?? false });
      if (f.json) {
        process.stderr.write(text + '\n');
        process.stdout.write(JSON.stringify({ ...cmp, html: path }) + '\n');
      } else {
        process.stdout.write(text + '\n');
      }
      process.stderr.write(`fusebench: comparison ${path}\n`);
    });
}
