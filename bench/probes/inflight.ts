// The generic "which lock path do these writes take" probe: the situation (open reply, user open
// flags, write pattern) is data and so is the expectation, so a test can ask for the shared path in a
// situation that must be exclusive and see the probe fail.
import type { FopenFlag, InitOption, Mode } from '../modes.js';
import type { ReadyInfo } from '../server/types.js';
import type { ProbeDef } from './types.js';
import {
  describeWrites,
  expectText,
  FILE_SIZE,
  lockPathOf,
  measureWrites,
  presize,
  WRITE_DELAY_MS,
  type LockPath,
} from './writers.js';

export interface InFlightSpec {
  id: string;
  rule: string;
  changedIn: string | null;
  /** Open reply: a mode, or a raw FOPEN list. */
  mode?: Mode;
  fopen?: FopenFlag[];
  init?: InitOption[];
  /** User open flags of the writers. */
  direct?: boolean;
  append?: boolean;
  pattern?: 'random' | 'extend';
  expect: LockPath;
  unsupported?(offer: ReadyInfo): string | null;
}

const FILE = 'inflight.dat';

export function inFlightProbe(spec: InFlightSpec): ProbeDef {
  const reply = spec.mode ?? `fopen:${(spec.fopen ?? []).join('|') || 'none'}`;
  const userFlags = ['O_RDWR', spec.direct === false ? null : 'O_DIRECT', spec.append ? 'O_APPEND' : null].filter(Boolean).join('|');
  return {
    id: spec.id,
    rule: spec.rule,
    changedIn: spec.changedIn,
    ...(spec.unsupported ? { unsupported: spec.unsupported } : {}),
    async run(ctx) {
      const extend = spec.pattern === 'extend';
      const m = await ctx.mount({
        mode: spec.mode ?? null,
        ...(spec.fopen ? { fopen: spec.fopen } : {}),
        ...(spec.init ? { init: spec.init } : {}),
        delay: `write=${WRITE_DELAY_MS}ms`,
        prepare: (b) => presize(b, FILE, extend ? 0 : FILE_SIZE),
      });
      const w = await measureWrites(ctx, m, {
        path: m.path(FILE),
        ...(spec.direct !== undefined ? { direct: spec.direct } : {}),
        ...(spec.append ? { append: true } : {}),
        pattern: spec.pattern ?? 'random',
      });
      const path = lockPathOf(w);
      const situation = `${reply}, ${userFlags}, ${extend ? 'extending' : 'inside i_size'}`;
      return {
        expected: `${expectText(spec.expect)} [${situation}]`,
        observed: typeof path === 'string' ? `${path}: ${describeWrites(w)}` : `inconclusive (${path.inconclusive}): ${describeWrites(w)}`,
        verdict: path === spec.expect ? 'pass' : 'fail',
      };
    },
  };
}
