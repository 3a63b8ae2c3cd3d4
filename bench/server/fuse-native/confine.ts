// Every path libfuse hands us is mapped into the backing directory and must stay inside it.
import { resolve, sep } from 'node:path';

export class EscapeError extends Error {}

/**
 * Maps a mount-relative path ("/a/b") to the backing directory. Rejects NUL bytes and any path that
 * would resolve outside `backing` (a `..` escape): the kernel never sends one, so one is an attack
 * or a bug, never a request to serve.
 */
export function confine(backing: string, p: string): string {
  if (p.includes('\0')) throw new EscapeError(`NUL in path ${JSON.stringify(p)}`);
  const root = resolve(backing);
  const full = resolve(root, '.' + (p.startsWith('/') ? p : '/' + p));
  if (full !== root && !full.startsWith(root + sep)) throw new EscapeError(`path ${JSON.stringify(p)} escapes ${root}`);
  return full;
}
