// docs/kernel-fuse.md "Passthrough", trap 5: with WRITEBACK_CACHE negotiated the kernel silently leaves
// passthrough off even though PASSTHROUGH was accepted in the INIT reply: BACKING_OPEN fails with EPERM,
// and an open the server still answers with FOPEN_PASSTHROUGH (policy backingFailure: reply-anyway) fails
// with EIO in the kernel.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelMinor, offers } from './capabilities.js';
import { openErrno } from './open-errno.js';
import type { ProbeDef } from './types.js';

const FILE = 'ptwb.dat';

export const passthroughWritebackOff: ProbeDef = {
  id: 'passthrough-writeback-off',
  rule: 'passthrough is silently disabled with WRITEBACK_CACHE: BACKING_OPEN fails with EPERM, passthrough opens fail',
  changedIn: '6.11-rc6 (6.10.y)',
  unsupported(offer) {
    if (!offers(offer, 'PASSTHROUGH')) return 'kernel does not offer FUSE_PASSTHROUGH at INIT (added in 6.9)';
    if (!offers(offer, 'WRITEBACK_CACHE')) return 'kernel does not offer WRITEBACK_CACHE at INIT';
    if (!offer.passthrough.usable) return `passthrough is not usable even without WRITEBACK_CACHE: ${offer.passthrough.reason ?? '?'}`;
    return null;
  },
  async run(ctx) {
    const m = await ctx.mount({
      mode: 'passthrough',
      init: ['writeback'],
      prepare: (b) => writeFileSync(join(b, FILE), Buffer.alloc(1 << 16, 1)),
    });
    const r = m.server.ready;
    const replied = ['WRITEBACK_CACHE', 'PASSTHROUGH'].filter((f) => r.init.negotiated.includes(f));
    const eperm = /EPERM|Operation not permitted/.test(r.passthrough.reason ?? '');
    await m.server.setPolicy({ backingFailure: 'reply-anyway' });
    const open = openErrno(m.path(FILE), 'r');
    const who = open === 'EIO' ? ' (kernel refused the FOPEN_PASSTHROUGH reply)' : '';
    const observed =
      `INIT reply had ${replied.join('|') || 'neither flag'}; ${r.passthrough.usable ? 'BACKING_OPEN: ok (passthrough usable)' : r.passthrough.reason ?? 'passthrough unusable'}; ` +
      `passthrough open: ${open}${who}`;
    const disabled = !r.passthrough.usable && eperm && open === 'EIO';
    // 6.9..6.11 all speak 7.40, and the rule arrived in 6.11-rc6 (6.10.y): on 7.40 both are correct.
    if (kernelMinor(ctx.offer) === 40) {
      return {
        expected: 'protocol 7.40 (6.9–6.11): disabled since 6.11-rc6/6.10.y, allowed before — either is correct',
        observed: `${observed} → ${disabled ? 'disabled' : 'allowed'}`,
        verdict: disabled || (r.passthrough.usable && open === 'ok') ? 'pass' : 'fail',
      };
    }
    return {
      expected: 'INIT reply with WRITEBACK_CACHE|PASSTHROUGH accepted; BACKING_OPEN: EPERM; an open replied FOPEN_PASSTHROUGH anyway: EIO',
      observed,
      verdict: replied.length === 2 && disabled ? 'pass' : 'fail',
    };
  },
};
