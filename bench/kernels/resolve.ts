// From "6.1" to a pinned kernel in the cache: cached kernels first (no network, reproducible), then
// the archive through the private apt, fetching what is missing.
import { aptUpdate, listsAgeMs, readKernelRecords, type AptSettings, type Log } from './apt.js';
import { listCached, type CacheEntry } from './cache.js';
import { fetchKernel } from './fetch.js';
import { compareDebVersions } from './debversion.js';
import { kernelCandidates, pickNewest, resolveSpec, type KernelCandidate, type Versioned } from './packages.js';

/** Lists older than this are refreshed before they are used to pick a kernel. */
const LISTS_MAX_AGE_MS = 6 * 3600_000;

/** The archive's kernels, refreshing the private lists when missing, stale or asked to. */
export class Archive {
  private candidates: KernelCandidate[] | null = null;
  private updated = false;
  constructor(
    readonly root: string,
    readonly apt: AptSettings,
    private readonly log: Log,
  ) {}

  async ensureLists(force = false): Promise<void> {
    const age = listsAgeMs(this.root);
    if (force || age === null || age > LISTS_MAX_AGE_MS) {
      if (this.updated && !force) return;
      try {
        await aptUpdate(this.root, this.apt, this.log);
        this.updated = true;
        this.candidates = null;
      } catch (e) {
        if (age === null) throw e;
        this.log(`warning: could not refresh the package lists (${(e as Error).message.split('\n')[0]}); using lists from ${Math.round(age / 3600_000)} h ago`);
      }
    }
  }

  async list(force = false): Promise<KernelCandidate[]> {
    await this.ensureLists(force);
    this.candidates ??= kernelCandidates(await readKernelRecords(this.root, this.apt));
    return this.candidates;
  }
}

export interface Resolved {
  spec: string;
  entry: CacheEntry;
  /** True when it was already in the cache before this call. */
  fromCache: boolean;
  note: string | null;
}

/**
 * Resolves each spec to a cache entry, fetching when needed. `preferCache`: a cached kernel the spec
 * names wins over a newer one in the archive (kernels run); otherwise the newest in the archive is
 * fetched (kernels fetch). Failures are returned per spec, not thrown, so one bad kernel does not
 * stop the others.
 */
export async function resolveKernels(
  specs: string[],
  archive: Archive,
  o: { preferCache: boolean; log: Log },
): Promise<(Resolved | { spec: string; error: string })[]> {
  const out: (Resolved | { spec: string; error: string })[] = [];
  for (const spec of specs) {
    try {
      if (o.preferCache) {
        const hit = pickNewest(spec, listCached(archive.root));
        if (hit) {
          o.log(`${spec}: using cached ${hit.abi} (${hit.version})`);
          out.push({ spec, entry: hit, fromCache: true, note: null });
          continue;
        }
      }
      const { candidate, note } = resolveSpec(spec, await archive.list());
      if (note) o.log(`${spec}: ${note}`);
      const before = listCached(archive.root).some((e) => e.abi === candidate.abi && e.version === candidate.version);
      o.log(`${spec}: ${candidate.abi} (${candidate.version}, ${candidate.suites.join(', ')})${before ? ', cached' : ''}`);
      const entry = await fetchKernel(archive.root, archive.apt, candidate, o.log);
      out.push({ spec, entry, fromCache: before, note });
    } catch (e) {
      out.push({ spec, error: (e as Error).message });
    }
  }
  return out;
}

/**
 * What `--kernel default` spans: the steps in the history of the rules fusebench probes, and the
 * newest kernel the archive has on top (docs/kernel-fuse.md "Kernel versions" has the history).
 */
const DEFAULT_SERIES: ReadonlyArray<{ series: string; why: string }> = [
  { series: '5.10', why: 'before the iomode rework and passthrough' },
  { series: '6.1', why: 'FUSE 7.38' },
  { series: '6.12', why: 'FUSE 7.41: iomode, passthrough, O_PATH backing files' },
  { series: '6.18', why: 'FUSE 7.45, the protocol fusebench-server speaks' },
];

export interface DefaultKernels {
  specs: string[];
  /** What could not be had, and from where the newest came; for the output and the report. */
  notes: string[];
}

function seriesOf(upstream: string): string {
  return /^(\d+\.\d+)/.exec(upstream)?.[1] ?? upstream;
}

/**
 * The default kernels among `available` (complete archive candidates, or cached kernels when the
 * archive cannot be read): each DEFAULT_SERIES the archive has, and the newest series when it is
 * newer than all of them. A series the archive lacks is named in a note, never silently dropped.
 */
export function defaultSpecs(available: Versioned[], from: string): DefaultKernels {
  const specs: string[] = [];
  const notes: string[] = [];
  for (const { series, why } of DEFAULT_SERIES) {
    if (pickNewest(series, available)) specs.push(series);
    else notes.push(`${series} (${why}) is not available from ${from}: left out`);
  }
  let newest: Versioned | null = null;
  for (const k of available) if (newest === null || compareDebVersions(k.version, newest.version) > 0) newest = k;
  if (newest !== null) {
    const s = seriesOf(newest.upstream);
    if (!specs.includes(s) && !DEFAULT_SERIES.some((d) => d.series === s)) specs.push(s);
    if (Number(s.split('.')[0]) < 7) notes.push(`no 7.x kernel is available from ${from}: the newest is ${newest.upstream}`);
  } else {
    notes.push(`no kernel at all is available from ${from}`);
  }
  return { specs, notes };
}

/** `default` resolved against the archive, or against the cache when the archive's lists cannot be read. */
export async function resolveDefault(archive: Archive, log: Log): Promise<DefaultKernels> {
  try {
    const cands = (await archive.list()).filter((c) => c.complete);
    return defaultSpecs(cands, `the configured Debian suites (${archive.apt.suites.join(', ')})`);
  } catch (e) {
    log(`default kernels: cannot read the archive (${(e as Error).message.split('\n')[0]}); choosing from the cache`);
    return defaultSpecs(listCached(archive.root), `the kernel cache ${archive.root} (the archive is unreachable)`);
  }
}
