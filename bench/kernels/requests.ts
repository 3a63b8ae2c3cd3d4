// Which kernels to boot, as given on the command line: Debian versions (`--kernel`) and local images
// (`--kernel-image`, with the `--modules`, `--config` and `--append` that follow it).

export interface DebianRequest {
  kind: 'debian';
  /** A version spec (6.1, 6.12.94, 6.1.0-50-amd64, …) or "default". */
  spec: string;
  /** Extra kernel parameters for this kernel's boots. */
  append: string[];
  /** Name of its column and output directory (kernels ab: base, test); null: its release. */
  label: string | null;
}

export interface LocalRequest {
  kind: 'local';
  image: string;
  modules: string | null;
  config: string | null;
  append: string[];
  label: string | null;
}

export type KernelRequest = DebianRequest | LocalRequest;

/** The spec that stands for the kernels spanning the history of the iomode rules (see resolve.ts). */
export const DEFAULT_SPEC = 'default';

export class KernelArgsError extends Error {}

/** One kernel-list option as the command line gave it, in order. */
export interface KernelFlag {
  flag: 'kernel' | 'kernel-image' | 'modules' | 'config' | 'append';
  value: string;
}

/**
 * Kernel parameters from one --append value, split at white space. init= and rdinit= are refused:
 * the guest's init is fusebench's own, and without it nothing comes back.
 */
export function splitAppend(v: string): string[] {
  const words = v.trim().split(/\s+/).filter(Boolean);
  for (const w of words) {
    if (/[\u0000-\u001f\u007f]/.test(w)) throw new KernelArgsError(`--append: control characters in "${w}"`);
    if (/^(rd)?init=/.test(w)) throw new KernelArgsError(`--append: ${w} would replace fusebench's guest init, which runs the command and reports back`);
  }
  return words;
}

/**
 * Requests from the kernel options in command-line order. `--modules` and `--config` belong to the
 * `--kernel-image` they follow; `--append` to the `--kernel` or `--kernel-image` it follows (every
 * kernel of a comma list), or, given before any of them, to every kernel.
 */
export function kernelRequestsFrom(flags: KernelFlag[], isValidSpec: (s: string) => boolean): KernelRequest[] {
  const out: KernelRequest[] = [];
  let group: KernelRequest[] = [];
  const global: string[] = [];
  for (const { flag, value } of flags) {
    if (flag === 'kernel') {
      group = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((spec): KernelRequest => {
          if (spec !== DEFAULT_SPEC && !isValidSpec(spec)) {
            throw new KernelArgsError(`"${spec}" is not a kernel version: give a series (6.1, 7.3), an upstream version (6.12.94), a Debian version (6.1.176-1), a release (6.1.0-50-amd64) or "${DEFAULT_SPEC}"`);
          }
          return { kind: 'debian', spec, append: [], label: null };
        });
      out.push(...group);
    } else if (flag === 'kernel-image') {
      if (value.trim() === '') throw new KernelArgsError('--kernel-image needs a path');
      group = [{ kind: 'local', image: value, modules: null, config: null, append: [], label: null }];
      out.push(...group);
    } else if (flag === 'append') {
      const words = splitAppend(value);
      if (group.length === 0) global.push(...words);
      else for (const r of group) r.append.push(...words);
    } else {
      const last = group.length === 1 ? group[0]! : null;
      if (last === null || last.kind !== 'local') throw new KernelArgsError(`--${flag} belongs to a --kernel-image: give it after the --kernel-image it goes with`);
      if (last[flag] !== null) throw new KernelArgsError(`--${flag} given twice for --kernel-image ${last.image}`);
      last[flag] = value;
    }
  }
  for (const r of out) r.append.unshift(...global);
  return out;
}

