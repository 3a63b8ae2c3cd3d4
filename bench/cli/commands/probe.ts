// `fusebench probe`: the conformance table of this kernel's FUSE I/O-mode rules.
import type { Command } from 'commander';
import { collectHost } from '../../env/host.js';
import { fuseInfoFromReady, unknownFuse } from '../../env/fuse-info.js';
import { PROBE_IDS, runProbeSuite, UnknownProbeError } from '../../probes/index.js';
import { formatProbeTable, summaryLine } from '../../probes/table.js';
import { UsageError } from '../errors.js';

interface ProbeFlags {
  json?: boolean;
  only?: string[];
}

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .summary('conformance table: which FUSE I/O-mode rules this kernel follows')
    .description(
      'Run each rule of the FUSE I/O-mode facts (parallel vs exclusive direct-I/O writes, caching opens and shared mmaps, ' +
        'passthrough) as a probe on a real mount of fusebench-server, and print a table: id, rule, expected, observed, ' +
        'verdict (pass, fail, or unsupported with the reason) and the kernel release where the rule changed. Expectations ' +
        'follow what the kernel offers at INIT, never the release string. Verdicts come from counts the server sees ' +
        '(WRITEs in flight on the inode, READ requests) and from errnos, with delays large enough that slow machines agree. ' +
        `Probes: ${PROBE_IDS.join(', ')}. Needs root (mount(2), passthrough backing files). ` +
        'Exit status: 0 when no probe failed, 1 when any probe failed (or nothing could be mounted), 2 on bad usage.',
    )
    .option('--only <ids...>', 'run only these probe ids (space or comma separated)')
    .option('--json', 'print one JSON document { host, fuse, probes } on stdout (progress goes to stderr)')
    .action(async (f: ProbeFlags) => {
      const only = (f.only ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
      const onSigint = (): void => {
        process.stderr.write('\nfusebench: interrupted: unmounting\n');
        // exit runs the registry's cleanup hook, which stops every server we started.
        process.exit(130);
      };
      process.on('SIGINT', onSigint);
      let suite;
      try {
        suite = await runProbeSuite({
          ...(only.length ? { only } : {}),
          log: (s) => process.stderr.write(`fusebench: ${s}\n`),
        });
      } catch (e) {
        if (e instanceof UnknownProbeError) throw new UsageError(e.message);
        throw e;
      } finally {
        process.off('SIGINT', onSigint);
      }
      const failed = suite.probes.some((p) => p.verdict === 'fail');
      if (f.json) {
        const fuse = suite.offer ? fuseInfoFromReady(suite.offer) : unknownFuse(suite.offerError ?? 'no server could be mounted');
        process.stdout.write(JSON.stringify({ host: collectHost(), fuse, probes: suite.probes }, null, 2) + '\n');
      } else {
        const width = process.stdout.columns && process.stdout.columns > 0 ? process.stdout.columns : 160;
        process.stdout.write(formatProbeTable(suite.probes, width) + '\n');
        process.stdout.write(summaryLine(suite.probes, suite.durationMs) + '\n');
      }
      if (suite.offer === null) process.stderr.write(`fusebench: could not mount a test server: ${suite.offerError ?? '?'}\n`);
      if (failed || suite.offer === null) process.exitCode = 1;
    });
}
