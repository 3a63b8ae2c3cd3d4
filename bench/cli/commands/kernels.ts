// `fusebench kernels list|fetch|run`: other Debian kernels, booted in QEMU, without touching the host.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { aptSettingsFromEnv, listsAgeMs, type Log } from '../../kernels/apt.js';
import { listCached, resolveCacheDir } from '../../kernels/cache.js';
import { compareDebVersions } from '../../kernels/debversion.js';
import { isValidSpec, type KernelCandidate } from '../../kernels/packages.js';
import { Archive, resolveKernels } from '../../kernels/resolve.js';
import { runKernels, summaryTable, type KernelsRunSummary } from '../../kernels/matrix.js';
import { FailError, UsageError } from '../errors.js';
import { textTable } from '../../text-table.js';
import { parseDurationMs, parseList, parsePositiveInt, parseSize } from '../parse.js';

const log: Log = (line) => process.stderr.write(`fusebench kernels: ${line}\n`);

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

interface CommonFlags {
  cache?: string;
  update?: boolean;
  json?: boolean;
}

function archiveFor(f: CommonFlags): Archive {
  return new Archive(resolveCacheDir(f.cache), aptSettingsFromEnv(), log);
}

const CACHE_HELP = 'kernel cache (default $FUSEBENCH_KERNEL_CACHE, else $XDG_CACHE_HOME/fusebench/kernels or ~/.cache/fusebench/kernels)';

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

  kernels
    .command('run')
    .summary('boot each kernel in QEMU and run a fusebench command in it')
    .description(
      'Boot each --kernel (fetched first when not cached; a cached kernel the version names is preferred) in ' +
        'qemu-system-x86_64 with a busybox initramfs, share the host / read-only over 9p with a tmpfs overlay for writes and ' +
        '/tmp on a fresh sparse ext4 scratch disk, chroot, run "fusebench <command>" (default: probe --json; run also gets ' +
        '--backing /tmp/fusebench-backing), and power off. KVM is used when a short probe boot under it reaches init, else ' +
        'TCG (emulated: results say so and their timings are not comparable with native ones). A guest that does not ' +
        'finish within --timeout is killed and reported; the next kernel still runs. Writes DIR/<release>/results.json ' +
        '(plus console.log and the guest stdout/stderr) per kernel, DIR/kernels.json, and, with two or more results, the ' +
        'kernels × probes matrix with fusebench compare in DIR/report.',
    )
    .usage('--kernel VERSION [--kernel VERSION …] [options] [-- <fusebench command>]')
    .argument('[command...]', 'the fusebench command to run in each guest, after --, e.g. -- probe --json')
    .option('-k, --kernel <version>', 'kernel to boot (repeat, or a comma list)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('-o, --out <dir>', 'output directory (default out/kernels-<timestamp>)')
    .option('--timeout <time>', 'per kernel: kill the guest after this long', '300s')
    .option('--boot-timeout <time>', 'per boot: a guest that has not started init by then is killed and booted once more', '120s')
    .option('--accel <mode>', 'auto (KVM when a probe boot works, else TCG), kvm or tcg', 'auto')
    .option('--memory <size>', 'guest memory', '3g')
    .option('--smp <n>', 'guest CPUs', '2')
    .option('--scratch <size>', "sparse ext4 scratch disk holding the guest's /tmp, made fresh per boot; 0 puts /tmp on tmpfs", '8g')
    .option('--exec <shell command>', 'run this shell command in the guest instead of fusebench (debugging, e.g. "uname -r")')
    .option('--env <K=V>', 'extra environment for the guest command (repeat)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--no-compare', 'do not run fusebench compare over the results')
    .option('--quiet', "do not relay the guest command's stderr")
    .option('--cache <dir>', CACHE_HELP)
    .option('--json', 'print one JSON document (the run summary, as in DIR/kernels.json) on stdout')
    .action(
      async (
        cmd: string[],
        f: CommonFlags & { kernel?: string[]; out?: string; timeout: string; bootTimeout: string; accel: string; memory: string; smp: string; scratch: string; exec?: string; env?: string[]; compare: boolean; quiet?: boolean },
      ) => {
        const specs = specsFrom(f.kernel ?? []);
        if (specs.length === 0) throw new UsageError('give at least one --kernel VERSION (see fusebench kernels list)');
        if (f.accel !== 'auto' && f.accel !== 'kvm' && f.accel !== 'tcg') throw new UsageError(`--accel must be auto, kvm or tcg, not "${f.accel}"`);
        if (f.exec !== undefined && cmd.length > 0) throw new UsageError('give either --exec or a fusebench command after --, not both');
        const timeoutMs = parseDurationMs(f.timeout, '--timeout');
        if (timeoutMs < 10_000) throw new UsageError('--timeout must be at least 10s (a guest needs several seconds to boot under TCG)');
        const memMiB = Math.floor(parseSize(f.memory, '--memory') / 2 ** 20);
        if (memMiB < 512) throw new UsageError('--memory must be at least 512m');
        const env: Record<string, string> = {};
        for (const kv of f.env ?? []) {
          const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(kv);
          if (!m) throw new UsageError(`--env "${kv}" must look like NAME=value`);
          env[m[1]!] = m[2]!;
        }
        const fusebenchArgs = f.exec !== undefined ? null : cmd.length > 0 ? cmd : ['probe', '--json'];
        if (fusebenchArgs && (fusebenchArgs[0] === 'kernels')) throw new UsageError('the guest command cannot be kernels itself');
        if (fusebenchArgs?.[0] === 'run' && fusebenchArgs.some((a) => a === '--out' || a.startsWith('--out='))) {
          throw new UsageError("drop --out from the guest run: its results come back into kernels run's --out directory");
        }
        const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
        let summary: KernelsRunSummary;
        try {
          summary = await runKernels({
            specs,
            archive: archiveFor(f),
            fusebenchArgs,
            exec: f.exec ?? null,
            outDir: f.out ?? join('out', `kernels-${stamp}`),
            timeoutMs,
            bootTimeoutMs: parseDurationMs(f.bootTimeout, '--boot-timeout'),
            accel: f.accel,
            memMiB,
            smp: parsePositiveInt(f.smp, '--smp'),
            scratchBytes: f.scratch === '0' ? 0 : parseSize(f.scratch, '--scratch'),
            env,
            compare: f.compare,
            log,
            relay: !f.quiet,
          });
        } catch (e) {
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
}
