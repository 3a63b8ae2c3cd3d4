// Every command registers itself here; one file per command.
import type { Command } from 'commander';
import { registerEnv } from './env.js';
import { registerMount } from './mount.js';
import { registerStats } from './stats.js';

export function registerCommands(program: Command): void {
  registerMount(program);
  registerStats(program);
  registerEnv(program);
}
