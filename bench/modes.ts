// The vocabulary shared by the CLI, the server, results and reports (README "Modes").

export const MODES = [
  'cached',
  'direct',
  'parallel',
  'passthrough',
  'passthrough-direct',
  'passthrough-parallel',
] as const;
export type Mode = (typeof MODES)[number];

export const FOPEN = {
  DIRECT_IO: 0x1,
  KEEP_CACHE: 0x2,
  NONSEEKABLE: 0x4,
  CACHE_DIR: 0x8,
  STREAM: 0x10,
  NOFLUSH: 0x20,
  PARALLEL_DIRECT_WRITES: 0x40,
  PASSTHROUGH: 0x80,
} as const;
export type FopenFlag = keyof typeof FOPEN;

export const MODE_FOPEN: Record<Mode, FopenFlag[]> = {
  cached: [],
  direct: ['DIRECT_IO'],
  parallel: ['DIRECT_IO', 'PARALLEL_DIRECT_WRITES'],
  passthrough: ['PASSTHROUGH'],
  'passthrough-direct': ['PASSTHROUGH', 'DIRECT_IO'],
  'passthrough-parallel': ['PASSTHROUGH', 'DIRECT_IO', 'PARALLEL_DIRECT_WRITES'],
};

/** INIT options a run may add to any mode (`+allow-mmap` etc.). */
const INIT_OPTIONS = ['allow-mmap', 'async-dio', 'writeback'] as const;
export type InitOption = (typeof INIT_OPTIONS)[number];

export const BACKENDS = ['disk', 'null'] as const;
export type Backend = (typeof BACKENDS)[number];

export function isMode(s: string): s is Mode {
  return (MODES as readonly string[]).includes(s);
}

export function isPassthroughMode(m: Mode): boolean {
  return MODE_FOPEN[m].includes('PASSTHROUGH');
}

function isInitOption(s: string): s is InitOption {
  return (INIT_OPTIONS as readonly string[]).includes(s);
}

/**
 * A mode spec on the command line is `mode[+init…]`, e.g. `parallel+async-dio`, or a raw
 * flag list `fopen:DIRECT_IO|KEEP_CACHE`. Returns the mode (or raw flags) and the INIT options.
 */
export interface ModeSpec {
  /** Mode name, or `fopen:FLAG|FLAG` for a raw list. */
  label: string;
  mode: Mode | null;
  fopen: FopenFlag[];
  init: InitOption[];
}

export function parseModeSpec(spec: string): ModeSpec {
  const [head, ...opts] = spec.split('+');
  const init: InitOption[] = [];
  for (const o of opts) {
    if (!isInitOption(o)) {
      throw new Error(`unknown INIT option "${o}" in "${spec}" (known: ${INIT_OPTIONS.join(', ')})`);
    }
    if (!init.includes(o)) init.push(o);
  }
  if (head === undefined || head === '') throw new Error(`empty mode in "${spec}"`);
  if (head.startsWith('fopen:')) {
    const fopen = parseFopenList(head.slice('fopen:'.length));
    return { label: head, mode: null, fopen, init };
  }
  if (!isMode(head)) {
    throw new Error(`unknown mode "${head}" (known: ${MODES.join(', ')}, or fopen:FLAG|FLAG)`);
  }
  return { label: head, mode: head, fopen: [...MODE_FOPEN[head]], init };
}

/** `direct+allow-mmap`: the label `--modes` takes and results show. */
export function specLabel(spec: ModeSpec): string {
  return [spec.label, ...spec.init].join('+');
}

export function parseFopenList(list: string): FopenFlag[] {
  if (list === '' || list === 'none') return [];
  const out: FopenFlag[] = [];
  for (const raw of list.split(/[|,]/)) {
    const name = raw.trim().toUpperCase().replace(/^FOPEN_/, '');
    if (!(name in FOPEN)) {
      throw new Error(`unknown FOPEN flag "${raw}" (known: ${Object.keys(FOPEN).join(', ')})`);
    }
    out.push(name as FopenFlag);
  }
  return out;
}

export function parseInitList(list: string): InitOption[] {
  const out: InitOption[] = [];
  for (const raw of list.split(/[,+]/)) {
    const o = raw.trim();
    if (o === '' || o === 'none') continue;
    if (!isInitOption(o)) throw new Error(`unknown INIT option "${o}" (known: ${INIT_OPTIONS.join(', ')})`);
    if (!out.includes(o)) out.push(o);
  }
  return out;
}
