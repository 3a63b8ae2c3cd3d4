// Tests that need an outside tool skip visibly when it is missing; CI sets
// FUSEBENCH_REQUIRE_TOOLS=1 after installing the tools so a skip there is a failure.
import { spawnSync } from 'node:child_process';

function haveTool(name: string): boolean {
  if (name.startsWith('/')) return spawnSync('test', ['-x', name]).status === 0;
  return spawnSync('sh', ['-c', `command -v ${JSON.stringify(name)}`], { stdio: 'ignore' }).status === 0;
}

/**
 * True when `name` is on PATH. Otherwise prints `SKIP: …` and returns false, or throws when
 * FUSEBENCH_REQUIRE_TOOLS=1.
 */
export function requireTool(name: string, hint = `apt-get install -y ${name}`): boolean {
  if (haveTool(name)) return true;
  const msg = `${name} is not installed (${hint})`;
  if (process.env['FUSEBENCH_REQUIRE_TOOLS'] === '1') {
    throw new Error(`required tool missing: ${msg}; FUSEBENCH_REQUIRE_TOOLS=1 turns this skip into a failure`);
  }
  process.stdout.write(`SKIP: ${msg}\n`);
  return false;
}
