// `fusebench report RESULTS.json [-o DIR]`: the self-contained HTML report of a run.
import type { Command } from 'commander';
import { ResultsError } from '../../results/schema.js';
import { writeReport } from '../../../reports/report.js';
import { summaryTable } from '../../runner/summary.js';
import { FailError, UsageError } from '../errors.js';

export function registerReport(program: Command): void {
  program
    .command('report')
    .summary('self-contained HTML report of a run')
    .description(
      'Write DIR/index.html for a results.json: per scenario the latency percentile spectrum of every mode (repeats merged ' +
        'exactly), throughput, the WRITEs in flight the server saw next to the lock-path verdict, the fallback time series, ' +
        'the probe table and the environment, with links to the .hgrm files and the raw results. One file with inline SVG ' +
        'charts and no script or external asset: it opens offline and can be attached to an email. The results file is ' +
        'validated first, so files from other people are safe to render.',
    )
    .argument('<results>', 'a results.json written by fusebench run')
    .option('-o, --out <dir>', 'output directory (default: the directory of RESULTS; results.json is copied there if missing)')
    .option('--json', 'print { "report": PATH, "bytes": N } on stdout')
    .option('--summary', 'print the summary table `fusebench run` prints (the same numbers as the report) on stdout instead of the path')
    .action((resultsPath: string, o: { out?: string; json?: boolean; summary?: boolean }) => {
      if (o.json && o.summary) throw new UsageError('--json and --summary both print on stdout: pick one');
      let out;
      try {
        out = writeReport(resultsPath, o.out);
      } catch (e) {
        if (e instanceof ResultsError) throw new FailError(e.message);
        const err = e as NodeJS.ErrnoException;
        if (err.code && err.path) throw new FailError(`cannot write the report: ${err.code} on ${err.path}`);
        throw e;
      }
      if (o.json) process.stdout.write(JSON.stringify({ report: out.path, bytes: out.bytes }) + '\n');
      else if (o.summary) process.stdout.write(summaryTable(out.results.cells));
      else process.stdout.write(`${out.path}\n`);
      process.stderr.write(`fusebench: report ${out.path} (${Math.ceil(out.bytes / 1024)} KiB, kernel ${out.results.host.kernelRelease})\n`);
    });
}

/** For `run`: writes the report beside results.json (the RunHooks.report signature). */
export async function reportHook(resultsPath: string, outDir: string): Promise<void> {
  writeReport(resultsPath, outDir);
}
