import type { ServerOptions } from './types.js';

/** Command line for fusebench-server from the options (the CLI contract of native/server). */
export function serverArgs(o: ServerOptions, controlPath: string): string[] {
  const a = ['--backing', o.backing, '--mountpoint', o.mountpoint, '--control', controlPath, '--die-with-parent'];
  if (o.mode !== null) a.push('--mode', o.mode);
  else a.push('--fopen', o.fopen && o.fopen.length > 0 ? o.fopen.join(',') : 'none');
  const init = [...(o.init ?? []), ...(o.initExtra ?? [])];
  if (init.length > 0) a.push('--init', init.join(','));
  if (o.delay) a.push('--delay', o.delay);
  if (o.backend) a.push('--backend', o.backend);
  if (o.threads !== undefined) a.push('--threads', String(o.threads));
  if (o.threadsInitial !== undefined) a.push('--threads-initial', String(o.threadsInitial));
  if (o.maxWrite !== undefined) a.push('--max-write', String(o.maxWrite));
  if (o.stackDepth !== undefined) a.push('--stack-depth', String(o.stackDepth));
  if (o.maxBackground !== undefined) a.push('--max-background', String(o.maxBackground));
  if (o.getxattr) a.push('--getxattr', o.getxattr);
  if (o.attrTimeout !== undefined) a.push('--attr-timeout', String(o.attrTimeout));
  if (o.entryTimeout !== undefined) a.push('--entry-timeout', String(o.entryTimeout));
  if (o.corruptRead !== undefined) a.push('--corrupt-read', String(o.corruptRead));
  if (o.transport) a.push('--transport', o.transport);
  if (o.uringDepth !== undefined) a.push('--uring-depth', String(o.uringDepth));
  return a;
}
