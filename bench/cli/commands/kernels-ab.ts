// `fusebench kernels ab`: a base and a test kernel, the same command in both, one report of what
// changed; exit 3 when behaviour changed, so a script can gate a patch series on it.
import type { Command } from 'commander';
import { AB_LABELS, runAb } from '../../kernels/ab.js';
import { LocalKernelError } from '../../kernels/local.js';
import { summaryTable } from '../../kernels/matrix.js';
import { abText } from '../../../reports/ab-text.js';
import { isValidSpec } from '../../kernels/packages.js';
import { DEFAULT_SPEC, type KernelRequest } from '../../kernels/requests.js';
import { FailError, UsageError } from '../errors.js';
import { addGuestOptions, appendWords, collect, guestCommand, guestSettings, type GuestFlags } from './kernels-options.js';

type Side = (typeof AB_LABELS)[number];

interface AbFlags extends GuestFlags {
  base?: string;
  baseImage?: string;
  baseModules?: string;
  baseConfig?: string;
  baseAppend?: string[];
  test?: string;
  testImage?: string;
  testModules?: string;
  testConfig?: string;
  testAppend?: string[];
  append?: string[];
  all?: boolean;
}

function flagValue(f: AbFlags, side: Side, what: '' | 'Image' | 'Modules' | 'Config'): string | undefined {
  return f[`${side}${what}` as keyof AbFlags] as string | undefined;
}

/** One side's request from its flags: exactly one of --SIDE VERSION and --SIDE-image PATH. */
function sideRequest(f: AbFlags, side: Side): KernelRequest {
  const version = flagValue(f, side, '');
  const image = flagValue(f, side, 'Image');
  const modules = flagValue(f, side, 'Modules') ?? null;
  const config = flagValue(f, side, 'Config') ?? null;
  const append = [...appendWords(f.append), ...appendWords(side === 'base' ? f.baseAppend : f.testAppend)];
  if ((version === undefined) === (image === undefined)) throw new UsageError(`give exactly one of --${side} VERSION and --${side}-image PATH`);
  if (version !== undefined) {
    if (modules !== null || config !== null) throw new UsageError(`--${side}-modules and --${side}-config go with --${side}-image, not with a Debian --${side} version`);
    if (version === DEFAULT_SPEC || !isValidSpec(version)) throw new UsageError(`--${side} "${version}" is not a kernel version (6.18.15, 6.1, 6.1.0-50-amd64, …)`);
    return { kind: 'debian', spec: version, append, label: side };
  }
  return { kind: 'local', image: image!, modules, config, append, label: side };
}

export function registerKernelsAb(kernels: Command): void {
  const ab = kernels
    .command('ab')
    .summary('A/B two kernels (a version or an image each): what behaves differently; exit 3 when anything does')
    .description(
      'Boot a base and a test kernel one after the other, each a Debian version (--base, --test) or a kernel you built ' +
        '(--base-image, --test-image, with --*-modules, --*-config as in kernels run), run the same fusebench command in both ' +
        '(default: probe --json; e.g. -- run --quick for lock paths and timings), and write one report, DIR/ab.html (with ' +
        'DIR/ab.json and DIR/ab.txt), whose first section is what changed: probe verdicts, lock-path verdicts and cell ' +
        'status, INIT flags offered and negotiated, protocol and limits. Timings follow, marked emulated under TCG; they ' +
        'never decide the verdict. Exit status: 0 nothing changed, 3 behaviour changed, 1 a side failed to boot or to bring ' +
        'results back, 2 bad usage. The same kernel on both sides is an A/A run: it should exit 0.',
    )
    .usage('(--base VERSION | --base-image PATH) (--test VERSION | --test-image PATH) [options] [-- <fusebench command>]')
    .argument('[command...]', 'the fusebench command to run in both guests, after --, e.g. -- run --quick');
  for (const side of AB_LABELS) {
    ab.option(`--${side} <version>`, `${side} kernel: a Debian version (6.18.15, 6.1, 6.1.0-50-amd64)`)
      .option(`--${side}-image <path>`, `${side} kernel: an image you built (arch/x86/boot/bzImage, vmlinuz, or a vmlinux with the PVH note)`)
      .option(`--${side}-modules <dir>`, `modules for --${side}-image: a make modules_install INSTALL_MOD_PATH=DIR tree or the build tree (default: next to the image)`)
      .option(`--${side}-config <file>`, `config of --${side}-image (default: embedded, or the build tree's .config)`)
      .option(`--${side}-append <params>`, `kernel parameters for the ${side} kernel only (repeat)`, collect);
  }
  ab.option('--append <params>', 'kernel parameters for both kernels (repeat)', collect);
  addGuestOptions(ab, 'out/kernels-ab-<timestamp>')
    .option('--all', 'list every timed cell in the terminal, not only the changed ones')
    .option('--json', 'print the A/B report (DIR/ab.json) as one JSON document on stdout')
    .action(async (cmd: string[], f: AbFlags) => {
      const base = sideRequest(f, 'base');
      const test = sideRequest(f, 'test');
      const settings = guestSettings(f, 'kernels-ab');
      const fusebenchArgs = guestCommand(cmd, undefined);
      let out;
      try {
        out = await runAb({ ...settings, base, test, fusebenchArgs, exec: null });
      } catch (e) {
        if (e instanceof LocalKernelError) throw new FailError(e.message);
        throw new FailError((e as Error).message);
      }
      if (out.failure === 'interrupted') {
        process.stderr.write('fusebench: interrupted; what finished is in the output directory\n');
        process.exitCode = 130;
        return;
      }
      if (!out.report) {
        if (!f.json) process.stdout.write(summaryTable(out.summary));
        throw new FailError(out.failure ?? 'no comparison');
      }
      if (f.json) process.stdout.write(JSON.stringify(out.report, null, 2) + '\n');
      else process.stdout.write(f.all && out.comparison ? abText(out.report, out.comparison, { all: true }) : (out.text ?? ''));
      process.exitCode = out.report.exitCode;
    });
}
