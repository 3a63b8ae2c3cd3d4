// Turning what a guest printed into a results document that `report` and `compare` read: a full
// results.json (from `run`) is kept as is; `probe --json` ({host, fuse, probes}) and `env --json`
// ({host, fuse, …}) are wrapped. Every document gets `config.guest` (which kernel package, how it was
// booted) and, under TCG, `host.emulated: true`, so its timings are never compared with native ones.
import { parseResults, SCHEMA_VERSION, type Results } from '../results/schema.js';
import { toolVersion } from '../version.js';

export interface GuestMeta {
  abi: string;
  /** Its name in a comparison (kernels ab: base, test), else null. */
  label?: string | null;
  /** Debian package version; null for a local image. */
  debVersion: string | null;
  /** A local image: path, sha256, where its config came from. */
  image?: { path: string; sha256: string; config: string | null } | null;
  /** Extra kernel parameters of the boot. */
  append?: string[];
  upstream: string;
  suites: string[];
  packages: string[];
  accel: 'kvm' | 'tcg';
  qemu: string;
  memMiB: number;
  smp: number;
  command: string[];
  bootMs: number | null;
  commandMs: number | null;
  exitCode: number | null;
}

/** The last top-level JSON object in a text (commands may print a line or two before it). */
export function extractJson(text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  try {
    return JSON.parse(t);
  } catch {
    /* fall through: look for the start of the last top-level object */
  }
  for (let i = t.lastIndexOf('\n{'); i >= 0; i = t.lastIndexOf('\n{', i - 1)) {
    try {
      return JSON.parse(t.slice(i + 1));
    } catch {
      if (i === 0) break;
    }
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A results document from the guest's output. `runResults` is the parsed results.json a `run` left
 * in the output share, when any; `stdout` the command's stdout. Throws when neither holds one.
 */
export function guestResults(stdout: string, runResults: unknown, meta: GuestMeta, times: { startedAt: string; finishedAt: string }): Results {
  let doc: Record<string, unknown>;
  const printed = extractJson(stdout);
  if (isObject(runResults) && 'schemaVersion' in runResults) {
    doc = { ...runResults };
  } else if (isObject(printed) && 'schemaVersion' in printed) {
    doc = { ...printed };
  } else if (isObject(printed) && isObject(printed['host']) && isObject(printed['fuse'])) {
    const tool = isObject(printed['tool']) ? printed['tool'] : { name: 'fusebench', version: toolVersion() };
    doc = {
      schemaVersion: SCHEMA_VERSION,
      tool,
      startedAt: times.startedAt,
      finishedAt: times.finishedAt,
      interrupted: false,
      loop: 'closed',
      host: printed['host'],
      fuse: printed['fuse'],
      cells: [],
      probes: Array.isArray(printed['probes']) ? printed['probes'] : [],
    };
  } else {
    throw new Error('the command printed no results document (expected JSON with host and fuse, e.g. from probe --json, env --json or run --json)');
  }
  const host = isObject(doc['host']) ? { ...doc['host'] } : {};
  if (meta.accel === 'tcg') host['emulated'] = true;
  doc['host'] = host;
  const config = isObject(doc['config']) ? { ...doc['config'] } : {};
  config['guest'] = meta;
  doc['config'] = config;
  return parseResults(doc, `results of ${meta.abi}`);
}
