// Running outside tools (apt-get, dpkg-deb, xz, qemu) without a shell, with their output captured or
// streamed. Every child is ours; they are stopped by pid only.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ToolOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each chunk of stdout; the chunk is then not kept in `stdout`. */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Feed this to stdin (else stdin is /dev/null). */
  input?: string | Buffer;
}

/** Runs `cmd args` to completion. Rejects only when it cannot start (ENOENT names the tool). */
export function runTool(cmd: string, args: string[], o: ToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolvePromise, reject) => {
    const opts: SpawnOptions = { stdio: [o.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'] };
    if (o.cwd) opts.cwd = o.cwd;
    if (o.env) opts.env = o.env;
    const child = spawn(cmd, args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => (o.onStdout ? o.onStdout(c) : (stdout += c)));
    child.stderr!.on('data', (c: string) => {
      stderr += c;
      o.onStderr?.(c);
    });
    if (o.input !== undefined) child.stdin!.end(o.input);
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new Error(`${cmd} is not installed (or not on PATH)`) : e);
    });
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/** True when `name` can be run (on PATH or an absolute executable path). */
export function haveCommand(name: string): boolean {
  if (name.startsWith('/')) return spawnSync('test', ['-x', name]).status === 0;
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' }).status === 0;
}

/** Last `n` lines of a text, for error messages. */
export function tail(text: string, n = 20): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-n).join('\n');
}
