// The command line of server-main.js, built by start.ts and parsed by the server.

export type FuseNativeMode = 'cached' | 'direct';

export interface FuseNativeArgs {
  backing: string;
  mountpoint: string;
  mode: FuseNativeMode;
  control: string | null;
  /** `write=200us,read=1ms`; empty for none. */
  delay: string;
  /** Seconds; undefined keeps libfuse 2's default (1 s). */
  attrTimeout?: number;
  entryTimeout?: number;
  /** Mount through fusermount with auto_unmount (default when fusermount is installed). */
  autoUnmount: boolean;
  /** Exit (unmounting first) when stdin closes, i.e. when the parent is gone. */
  dieWithParent: boolean;
}

export function buildArgs(a: FuseNativeArgs): string[] {
  const out = ['--backing', a.backing, '--mountpoint', a.mountpoint, '--mode', a.mode];
  if (a.control) out.push('--control', a.control);
  if (a.delay) out.push('--delay', a.delay);
  if (a.attrTimeout !== undefined) out.push('--attr-timeout', String(a.attrTimeout));
  if (a.entryTimeout !== undefined) out.push('--entry-timeout', String(a.entryTimeout));
  if (!a.autoUnmount) out.push('--no-auto-unmount');
  if (a.dieWithParent) out.push('--die-with-parent');
  return out;
}

export function parseArgs(argv: string[]): FuseNativeArgs {
  const a: Partial<FuseNativeArgs> = { control: null, delay: '', autoUnmount: true, dieWithParent: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    const seconds = (): number => {
      const s = v();
      const n = Number(s);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${k} "${s}" is not a number of seconds`);
      return n;
    };
    switch (k) {
      case '--backing':
        a.backing = v();
        break;
      case '--mountpoint':
        a.mountpoint = v();
        break;
      case '--mode': {
        const m = v();
        if (m !== 'cached' && m !== 'direct') throw new Error(`--mode "${m}": the fuse-native server knows cached and direct`);
        a.mode = m;
        break;
      }
      case '--control':
        a.control = v();
        break;
      case '--delay':
        a.delay = v();
        break;
      case '--attr-timeout':
        a.attrTimeout = seconds();
        break;
      case '--entry-timeout':
        a.entryTimeout = seconds();
        break;
      case '--no-auto-unmount':
        a.autoUnmount = false;
        break;
      case '--die-with-parent':
        a.dieWithParent = true;
        break;
      default:
        throw new Error(`unknown argument ${k}`);
    }
  }
  if (!a.backing || !a.mountpoint) throw new Error('--backing and --mountpoint are required');
  a.mode ??= 'cached';
  return a as FuseNativeArgs;
}
