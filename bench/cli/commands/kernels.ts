// `fusebench kernels list|fetch|run`: other Debian kernels, booted in QEMU, without touching the host.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listsAgeMs } from '../../kernels/apt.js';
import { listCached } from '../../kernels/cache.js';
import { compareDebVersions } from '../../kernels/debversion.js';
import { isValidSpec, type KernelCandidate } from '../../kernels/packages.js';
import { LocalKernelError } from '../../kernels/local.js';
import type { KernelFlag } from '../../kernels/requests.js';
import { resolveKernels } from '../../kernels/resolve.js';
import { runKernels, summaryTable, type KernelsRunSummary } from '../../kernels/matrix.js';
import { FailError, UsageError } from '../errors.js';
import { textTable } from '../../text-table.js';
import { parseList } from '../parse.js';
import { registerKernelsAb } from './kernels-ab.js';
import { addGuestOptions, addKernelListOptions, archiveFor, CACHE_HELP, guestCommand, guestSettings, log, requestsFrom, type CommonFlags, type GuestFlags } from './kernels-options.js';

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** `ls`-style listing: the first row is the header, everything left-aligned, no rule. */
function table(rows: string[][]): string {
  return textTable(rows[0]!, rows.slice(1), { numeric: () => false, rule: false });
}

/** Newest complete kernel of each major.minor series. */
export function latestPerSeries(cands: KernelCandidate[]): KernelCandidate[] {
  const best = new Map<string, KernelCandidate>();
  for (const c of cands) {
    if (!c.complete) continue;
    const series = /^(\d+\.\d+)/.exec(c.upstream)?.[1] ?? c.upstream;
    const b = best.get(series);
    if (!b || compareDebVersions(c.version, b.version) > 0) best.set(series, c);
  }
  return [...best.values()].sort((a, b) => compareDebVersions(a.version, b.version));
}

function specsFrom(values: string[]): string[] {
  const specs = values.flatMap((v) => parseList(v));
  for (const s of specs) {
    if (!isValidSpec(s)) throw new UsageError(`"${s}" is not a kernel version: give a series (6.1, 7.3), an upstream version (6.12.94), a Debian version (6.1.176-1) or a release (6.1.0-50-amd64)`);
  }
  return specs;
}

export function registerKernels(program: Command): void {
  const kernels = program
    .command('kernels')
    .summary('other Debian kernels in QEMU guests: list, fetch, run')
    .description(
      "Compare kernel versions without reinstalling the machine: Debian's archive kernels (generic amd64) are downloaded " +
        'with apt-get download through a private apt configuration (nothing under /etc/apt is used or changed; only the ' +
        "host's proxy and Valid-Until settings carry over), unpacked without installing into a cache outside the repository, " +
        'and booted in qemu-system-x86_64 with a busybox initramfs. The guest sees the host / read-only over 9p with a tmpfs ' +
        'overlay for writes and /tmp on a fresh ext4 scratch disk, runs one fusebench command, and its results come back ' +
        'with the guest kernel and emulated: true. Suites: $FUSEBENCH_KERNEL_SUITES (default bullseye, bookworm, ' +
        'bookworm-backports, trixie, trixie-backports, sid, experimental); mirror: $FUSEBENCH_DEBIAN_MIRROR.',
    );

  kernels
    .command('list')
    .summary('the Debian kernel packages available (and cached)')
    .description(
      'List the generic amd64 kernels in the configured suites: release (uname -r), Debian version, suites, layout ' +
        '(image: one linux-image package; split: linux-binary + linux-modules + linux-base, from 6.19) and download size. ' +
        'Split kernels whose parts are not all in the archive are marked incomplete and cannot be fetched. Package lists ' +
        'are refreshed when older than 6 hours.',
    )
    .option('--latest', 'only the newest complete kernel of each series (6.1, 6.12, …)')
    .option('--cached', 'only kernels in the cache (no network)')
    .option('--update', 'refresh the package lists now')
    .option('--cache <dir>', CACHE_HELP)
    .option('--json', 'print one JSON document { cache, listsAgeS, kernels } on stdout')
    .action(async (f: CommonFlags & { latest?: boolean; cached?: boolean }) => {
      const archive = archiveFor(f);
      const cached = listCached(archive.root);
      const isCached = (c: { abi: string; version: string }): boolean => cached.some((e) => e.abi === c.abi && e.version === c.version);
      if (f.cached) {
        if (f.json) {
          process.stdout.write(JSON.stringify({ cache: archive.root, kernels: cached }, null, 2) + '\n');
          return;
        }
        const rows = [['VERSION', 'RELEASE', 'DEBIAN VERSION', 'SUITES', 'MODULES', 'DIR']];
        for (const e of cached) rows.push([e.upstream, e.abi, e.version, e.suites.join(','), e.modules.map((m) => m.name).join(' ') || '-', e.dir]);
        process.stdout.write(cached.length > 0 ? table(rows) : `no kernels cached in ${archive.root}\n`);
        return;
      }
      let cands: KernelCandidate[];
      try {
        cands = await archive.list(f.update ?? false);
      } catch (e) {
        throw new FailError(`cannot read the Debian archive's package lists: ${(e as Error).message}`);
      }
      if (f.latest) cands = latestPerSeries(cands);
      const age = listsAgeMs(archive.root);
      if (f.json) {
        const kernels = cands.map((c) => ({ ...c, cached: isCached(c) }));
        process.stdout.write(JSON.stringify({ cache: archive.root, listsAgeS: age === null ? null : Math.round(age / 1000), kernels }, null, 2) + '\n');
        return;
      }
      const rows = [['VERSION', 'RELEASE', 'DEBIAN VERSION', 'SUITES', 'LAYOUT', 'SIZE', 'STATUS']];
      for (const c of cands) {
        rows.push([
          c.upstream,
          c.abi,
          c.version,
          c.suites.join(','),
          c.layout,
          mib(c.downloadBytes),
          isCached(c) ? 'cached' : c.complete ? 'available' : `incomplete (${c.missing.join(', ')} not in the archive)`,
        ]);
      }
      process.stdout.write(table(rows));
      process.stderr.write(`${cands.length} kernels; cache ${archive.root}\n`);
    });

  kernels
    .command('fetch')
    .summary('download kernels into the cache, pinned to exact versions')
    .description(
      'Resolve each VERSION to the newest complete kernel in the archive that it names (6.1 → the newest 6.1.x; an exact ' +
        'release such as 6.1.0-50-amd64 or Debian version such as 6.1.176-1 pins one), download its packages with apt-get ' +
        'download (hashes checked against the signed index), unpack them without installing and keep the kernel image, ' +
        'config and the modules the guest needs (virtio, 9p, overlay, fuse, ext4 and their dependencies, decompressed) in ' +
        'the cache under <release>_<debian version>. Already cached kernels are not downloaded again.',
    )
    .argument('<version...>', 'kernel versions: 6.1, 6.12.94, 7.3, 6.1.0-50-amd64, 6.1.176-1')
    .option('--update', 'refresh the package lists first')
    .option('--cache <dir>', CACHE_HELP)
    .option('--json', 'print one JSON document { cache, kernels } on stdout')
    .action(async (versions: string[], f: CommonFlags) => {
      const specs = specsFrom(versions);
      const archive = archiveFor(f);
      if (f.update) await archive.ensureLists(true);
      const res = await resolveKernels(specs, archive, { preferCache: false, log });
      const failed = res.filter((r): r is { spec: string; error: string } => 'error' in r);
      if (f.json) {
        process.stdout.write(
          JSON.stringify(
            {
              cache: archive.root,
              kernels: res.map((r) => ('error' in r ? { spec: r.spec, error: r.error } : { spec: r.spec, fromCache: r.fromCache, note: r.note, ...r.entry })),
            },
            null,
            2,
          ) + '\n',
        );
      } else {
        const rows = [['SPEC', 'RELEASE', 'DEBIAN VERSION', 'STATUS', 'DIR']];
        for (const r of res) {
          if ('error' in r) rows.push([r.spec, '-', '-', 'failed', r.error]);
          else rows.push([r.spec, r.entry.abi, r.entry.version, r.fromCache ? 'cached' : 'fetched', r.entry.dir]);
        }
        process.stdout.write(table(rows));
      }
      if (failed.length > 0) throw new FailError(failed.map((x) => x.error).join('\n'));
    });

  const flags: KernelFlag[] = [];
  const run = kernels
    .command('run')
    .summary('boot each kernel in QEMU and run a fusebench command in it')
    .description(
      'Boot each kernel — Debian\'s (--kernel: fetched first when not cached; a cached kernel the version names is preferred) ' +
        'or one you built (--kernel-image, with --modules, --config and --append after it) — in ' +
        'qemu-system-x86_64 with a busybox initramfs, share the host / read-only over 9p with a tmpfs overlay for writes and ' +
        '/tmp on a fresh sparse ext4 scratch disk, chroot, run "fusebench <command>" (default: probe --json; run also gets ' +
        '--backing /tmp/fusebench-backing), and power off. A local image is checked before anything boots: its release is ' +
        'read from the image, its config (embedded, --config, or next to it) must have what the guest needs (the missing ' +
        'CONFIG_ options are named, exit 1), and the modules of that release are taken from --modules. ' +
        '--kernel default spans the history of the rules: 5.10, 6.1, 6.12, 6.18 and the newest the archive offers (a series ' +
        'the archive lacks is named in the output). KVM is used when a short probe boot under it reaches init, else ' +
        'TCG (emulated: results say so and their timings are not comparable with native ones). A guest that does not ' +
        'finish within --timeout is killed and reported; the next kernel still runs. Writes DIR/<release>/results.json ' +
        '(plus console.log and the guest stdout/stderr) per kernel, DIR/kernels.json, and, with two or more results, the ' +
        'kernels × probes (and, with -- run, lock paths × kernels) matrix with fusebench compare in DIR/report.',
    )
    .usage('(--kernel VERSION | --kernel-image PATH [--modules DIR] [--config FILE] [--append ARGS]) … [options] [-- <fusebench command>]')
    .argument('[command...]', 'the fusebench command to run in each guest, after --, e.g. -- probe --json');
  addKernelListOptions(run, flags);
  addGuestOptions(run, 'out/kernels-<timestamp>')
    .option('--exec <shell command>', 'run this shell command in the guest instead of fusebench (debugging, e.g. "uname -r")')
    .option('--no-compare', 'do not run fusebench compare over the results')
    .option('--json', 'print one JSON document (the run summary, as in DIR/kernels.json) on stdout')
    .action(
      async (cmd: string[], f: GuestFlags & { exec?: string; compare: boolean }) => {
        const requests = requestsFrom(flags);
        if (requests.length === 0) throw new UsageError('give at least one --kernel VERSION (see fusebench kernels list), --kernel default, or --kernel-image PATH');
        const settings = guestSettings(f, 'kernels');
        const fusebenchArgs = guestCommand(cmd, f.exec);
        let summary: KernelsRunSummary;
        try {
          summary = await runKernels({ ...settings, requests, distinct: true, fusebenchArgs, exec: f.exec ?? null, compare: f.compare });
        } catch (e) {
          if (e instanceof LocalKernelError) throw new FailError(e.message);
          throw new FailError((e as Error).message);
        }
        if (f.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
        else {
          process.stdout.write(summaryTable(summary));
          if (summary.report.status === 'written') {
            try {
              process.stdout.write('\n' + readFileSync(join(summary.outDir, 'compare.txt'), 'utf8'));
            } catch {
              /* the HTML report is the product; its terminal copy is a convenience */
            }
          }
          if (f.exec !== undefined) {
            for (const k of summary.kernels) {
              if (!k.dir) continue;
              process.stdout.write(`--- ${k.abi}: stdout (${relative(process.cwd(), join(k.dir, 'guest', 'stdout'))})\n`);
              try {
                process.stdout.write(readFileSync(join(k.dir, 'guest', 'stdout'), 'utf8'));
              } catch {
                process.stdout.write('(none)\n');
              }
            }
          }
        }
        if (summary.interrupted) {
          process.stderr.write('fusebench: interrupted; the kernels that finished are in the output directory\n');
          process.exitCode = 130;
          return;
        }
        const bad = summary.kernels.filter((k) => k.status !== 'ok');
        if (bad.length > 0) {
          throw new FailError(`${bad.length} of ${summary.kernels.length} kernels did not finish cleanly: ${bad.map((k) => `${k.abi ?? k.spec} ${k.status}${k.error ? ` (${k.error})` : ''}`).join('; ')}`);
        }
      },
    );

  registerKernelsAb(kernels);
}
