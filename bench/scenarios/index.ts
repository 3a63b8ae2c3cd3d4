// The scenario catalogue (README "Scenarios"); each lives in its own file.
import { dioWrite } from './dio-write.js';
import { dioWriteExtend } from './dio-write-extend.js';
import { fallback } from './fallback.js';
import { mmap } from './mmap.js';
import { read } from './read.js';
import type { Scenario } from './types.js';

export const SCENARIOS: Scenario[] = [dioWrite, dioWriteExtend, read, mmap, fallback];

export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
