// The fusebench CLI as a child process, for tests that need it to run long (guests) without blocking
// the event loop. FUSEBENCH_TEST_VERBOSE=1 mirrors its stderr, to watch a guest boot.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../bench/paths.js';

export const CLI = join(packageRoot(), 'dist', 'bench', 'cli', 'main.js');

/** Runs `fusebench ARGS`; SIGTERM (by pid) after timeoutMs. */
export function cliAsync(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (process.env['FUSEBENCH_TEST_VERBOSE'] === '1') process.stderr.write(c);
    });
    const t = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(t);
      resolvePromise({ code, stdout, stderr });
    });
  });
}
