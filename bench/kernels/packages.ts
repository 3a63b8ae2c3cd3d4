// Debian's kernel packages, from the archive's Packages indexes: which kernels exist, in which suites,
// and which .debs hold one kernel. Up to 6.18 one `linux-image-ABI` holds everything; from 6.19 the
// image is a metapackage over `linux-binary-ABI` (vmlinuz), `linux-modules-ABI` and `linux-base-ABI`
// (config, modules.builtin). Some split kernels in the archive lack their modules package: those are
// listed as incomplete, never fetched.
import { compareDebVersions, upstreamOf } from './debversion.js';

export type Part = 'image' | 'binary' | 'binary-unsigned' | 'modules' | 'base';

/** One binary package stanza, reduced to what fetching needs. */
export interface PackageRecord {
  name: string;
  version: string;
  suite: string;
  filename: string;
  size: number;
  /** KiB, as in the index. */
  installedSize: number;
  sha256: string;
  depends: string;
}

export interface PackageRef {
  name: string;
  version: string;
  part: Part;
  size: number;
  sha256: string;
  filename: string;
}

export interface KernelCandidate {
  /** The kernel's release string (uname -r), e.g. "6.1.0-50-amd64". */
  abi: string;
  /** Debian package version, e.g. "6.1.176-1". */
  version: string;
  /** Upstream version, e.g. "6.1.176" or "7.3-rc7". */
  upstream: string;
  suites: string[];
  layout: 'image' | 'split';
  /** The .debs that make up this kernel, in download order. */
  packages: PackageRef[];
  /** Package names this kernel needs that the archive does not carry. */
  missing: string[];
  complete: boolean;
  downloadBytes: number;
}

/** Names we care about: linux-<part>-<ABI>, the ABI starting with a digit. */
const NAME_RE = /^linux-(image|binary-unsigned|binary|modules|base)-(\d\S*)$/;
/** ABI = version part, then the flavour; only the generic amd64 flavour is wanted. */
const ABI_RE = /^(\d+\.\d+(?:\.\d+)?(?:[+~][a-z0-9.]+)?(?:-\d+)?)-([a-z0-9-]+)$/;

/** The part and ABI of a package name when it is a generic amd64 kernel package, else null. */
export function classifyPackage(name: string): { part: Part; abi: string } | null {
  const m = NAME_RE.exec(name);
  if (!m) return null;
  const abi = m[2]!;
  const a = ABI_RE.exec(abi);
  if (!a || a[2] !== 'amd64') return null;
  return { part: m[1] as Part, abi };
}

/**
 * Parses Packages (deb822) text, keeping the stanzas `keep(name)` accepts. Continuation lines are
 * folded into their field. Text may hold many stanzas; only the kept ones are fully parsed.
 */
export function parsePackages(text: string, suite: string, keep: (name: string) => boolean = (n) => classifyPackage(n) !== null): PackageRecord[] {
  const out: PackageRecord[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const pm = /^Package:\s*(\S+)/m.exec(stanza);
    if (!pm || !keep(pm[1]!)) continue;
    const fields: Record<string, string> = {};
    let last: string | null = null;
    for (const line of stanza.split('\n')) {
      if (line === '') continue;
      if ((line.startsWith(' ') || line.startsWith('\t')) && last !== null) {
        fields[last] += '\n' + line.trim();
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim();
      fields[last] = line.slice(colon + 1).trim();
    }
    const name = fields['Package'];
    const version = fields['Version'];
    const filename = fields['Filename'];
    if (!name || !version || !filename) continue;
    out.push({
      name,
      version,
      suite,
      filename,
      size: Number(fields['Size'] ?? 0) || 0,
      installedSize: Number(fields['Installed-Size'] ?? 0) || 0,
      sha256: fields['SHA256'] ?? '',
      depends: fields['Depends'] ?? '',
    });
  }
  return out;
}

/** An image package below this installed size holds no kernel (a metapackage over the split parts). */
const METAPACKAGE_MAX_KIB = 1024;

/** Groups package records (from all suites) into kernels, one per ABI and Debian version. */
export function kernelCandidates(records: PackageRecord[]): KernelCandidate[] {
  interface Group {
    abi: string;
    version: string;
    parts: Map<Part, PackageRecord>;
    suites: Set<string>;
  }
  const groups = new Map<string, Group>();
  for (const r of records) {
    const c = classifyPackage(r.name);
    if (!c) continue;
    const key = `${c.abi}\u0000${r.version}`;
    let g = groups.get(key);
    if (!g) {
      g = { abi: c.abi, version: r.version, parts: new Map(), suites: new Set() };
      groups.set(key, g);
    }
    if (!g.parts.has(c.part)) g.parts.set(c.part, r);
    g.suites.add(r.suite);
  }
  const out: KernelCandidate[] = [];
  for (const g of groups.values()) {
    const image = g.parts.get('image');
    const binary = g.parts.get('binary') ?? g.parts.get('binary-unsigned');
    const split =
      binary !== undefined ||
      g.parts.has('modules') ||
      g.parts.has('base') ||
      (image !== undefined && (new RegExp(`(^|[ ,|])linux-binary-${escapeRe(g.abi)}\\b`).test(image.depends) || image.installedSize < METAPACKAGE_MAX_KIB));
    // A lone binary/modules/base package of a kernel whose image lives elsewhere is still that kernel.
    const ref = (r: PackageRecord, part: Part): PackageRef => ({ name: r.name, version: r.version, part, size: r.size, sha256: r.sha256, filename: r.filename });
    const packages: PackageRef[] = [];
    const missing: string[] = [];
    if (split) {
      if (binary) packages.push(ref(binary, g.parts.has('binary') ? 'binary' : 'binary-unsigned'));
      else missing.push(`linux-binary-${g.abi}`);
      const modules = g.parts.get('modules');
      if (modules) packages.push(ref(modules, 'modules'));
      else missing.push(`linux-modules-${g.abi}`);
      const base = g.parts.get('base');
      if (base) packages.push(ref(base, 'base'));
      else missing.push(`linux-base-${g.abi}`);
    } else if (image) {
      packages.push(ref(image, 'image'));
    }
    const suites = [...g.suites].sort(compareSuites);
    out.push({
      abi: g.abi,
      version: g.version,
      upstream: upstreamOf(g.version),
      suites,
      layout: split ? 'split' : 'image',
      packages,
      missing,
      complete: missing.length === 0 && packages.length > 0,
      downloadBytes: packages.reduce((s, p) => s + p.size, 0),
    });
  }
  out.sort((a, b) => compareDebVersions(a.version, b.version) || a.abi.localeCompare(b.abi));
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const SUITE_ORDER = ['bullseye', 'bullseye-backports', 'bookworm', 'bookworm-updates', 'bookworm-security', 'bookworm-backports', 'trixie', 'trixie-updates', 'trixie-security', 'trixie-backports', 'forky', 'sid', 'experimental'];
function compareSuites(a: string, b: string): number {
  const ia = SUITE_ORDER.indexOf(a);
  const ib = SUITE_ORDER.indexOf(b);
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
}

/** What a kernel spec can be matched against (archive candidates and cache entries alike). */
export interface Versioned {
  abi: string;
  version: string;
  upstream: string;
}

/**
 * Does `spec` name this kernel? Exact: the ABI ("6.1.0-50-amd64"), the Debian version ("6.1.176-1"),
 * a package name, or the full upstream version. Series: an upstream prefix on a dot boundary ("6.1"
 * matches 6.1.176, not 6.12.x; "7.3" matches 7.3.4 and 7.3-rc7).
 */
export function specMatches(spec: string, k: Versioned): 'exact' | 'series' | null {
  const s = spec.trim();
  if (s === k.abi || s === k.version || s === k.upstream) return 'exact';
  if (/^linux-(image|binary|binary-unsigned|modules|base)-/.test(s) && s.replace(/^linux-(image|binary-unsigned|binary|modules|base)-/, '') === k.abi) return 'exact';
  if (/^\d+(\.\d+){0,2}$/.test(s) && (k.upstream.startsWith(s + '.') || k.upstream.startsWith(s + '-'))) return 'series';
  return null;
}

/** True when `spec` is something specMatches can ever accept (for usage errors before any download). */
export function isValidSpec(spec: string): boolean {
  const s = spec.trim();
  return /^(linux-[a-z-]+-)?\d+(\.\d+){0,3}([-+~][A-Za-z0-9.+~-]*)?$/.test(s);
}

/** The newest of `items` that `spec` names; exact matches win over series matches. */
export function pickNewest<T extends Versioned>(spec: string, items: T[]): T | null {
  const exact = items.filter((k) => specMatches(spec, k) === 'exact');
  const pool = exact.length > 0 ? exact : items.filter((k) => specMatches(spec, k) === 'series');
  let best: T | null = null;
  for (const k of pool) if (best === null || compareDebVersions(k.version, best.version) > 0) best = k;
  return best;
}

export interface Resolution {
  candidate: KernelCandidate;
  /** Set when a newer match exists but cannot be used (split kernel with a missing part). */
  note: string | null;
}

/** Resolves a spec against the archive: the newest complete kernel it names. Throws Error with the reason. */
export function resolveSpec(spec: string, candidates: KernelCandidate[]): Resolution {
  const complete = candidates.filter((c) => c.complete);
  const best = pickNewest(spec, complete);
  const bestAny = pickNewest(spec, candidates);
  if (best === null) {
    if (bestAny !== null) {
      throw new Error(`kernel ${spec}: ${bestAny.abi} (${bestAny.version}) is incomplete in the archive: ${bestAny.missing.join(', ')} not found`);
    }
    throw new Error(`kernel ${spec}: no generic amd64 kernel package matches (see "fusebench kernels list")`);
  }
  let note: string | null = null;
  if (bestAny !== null && bestAny !== best && compareDebVersions(bestAny.version, best.version) > 0) {
    note = `newer ${bestAny.abi} (${bestAny.version}) skipped: ${bestAny.missing.join(', ')} not in the archive`;
  }
  return { candidate: best, note };
}
