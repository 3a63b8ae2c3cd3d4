// What the guest needs from a kernel's configuration, checked before booting a kernel someone built:
// a missing option is named at once instead of showing up minutes later as a guest that never
// reports back (no serial console, no 9p root, no init).

/** `CONFIG_X=value` lines → X → value ("y", "m", a number or a quoted string). "is not set" lines are absent. */
export function parseKconfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

export interface GuestRequirement {
  option: string;
  /** The module it builds when =m; null: it must be built in (=y), nothing loads it. */
  module: string | null;
  why: string;
  /** Needed only with the ext4 scratch disk (--scratch other than 0). */
  scratch?: boolean;
}

/** Every option the guest's boot path depends on. Modules are the ones modules.ts REQUIRED/OPTIONAL_MODULES name. */
export const GUEST_REQUIREMENTS: readonly GuestRequirement[] = [
  { option: 'BLK_DEV_INITRD', module: null, why: 'the guest boots from an initramfs' },
  { option: 'BINFMT_ELF', module: null, why: 'busybox and node are ELF programs' },
  { option: 'BINFMT_SCRIPT', module: null, why: "the guest's /init is a shell script" },
  { option: 'PROC_FS', module: null, why: 'init reads /proc' },
  { option: 'SYSFS', module: null, why: 'init mounts /sys (and fusectl under it)' },
  { option: 'DEVTMPFS', module: null, why: "the guest's /dev is a devtmpfs" },
  { option: 'TMPFS', module: null, why: "the root overlay's upper layer and /run are tmpfs" },
  { option: 'SERIAL_8250_CONSOLE', module: null, why: 'the host follows the guest on its serial console (console=ttyS0)' },
  { option: 'UNIX', module: null, why: 'node and the server talk over Unix sockets' },
  { option: 'VIRTIO_PCI', module: 'virtio_pci', why: 'the shares and the scratch disk are virtio PCI devices' },
  { option: 'NET_9P', module: '9pnet', why: "the host's / is shared over 9p" },
  { option: 'NET_9P_VIRTIO', module: '9pnet_virtio', why: '9p runs over virtio' },
  { option: '9P_FS', module: '9p', why: "the host's / is mounted over 9p" },
  { option: 'OVERLAY_FS', module: 'overlay', why: 'the guest root is an overlay (host / read-only, tmpfs for writes)' },
  { option: 'FUSE_FS', module: 'fuse', why: 'FUSE is what fusebench measures' },
  { option: 'EXT4_FS', module: 'ext4', why: "the guest's TMPDIR is an ext4 scratch disk", scratch: true },
  { option: 'VIRTIO_BLK', module: 'virtio_blk', why: 'the scratch disk is a virtio disk', scratch: true },
];

export interface MissingOption {
  option: string;
  /** What the config has: "m" where only "y" will do, or null for not set. */
  have: string | null;
  need: 'y' | 'y or m';
  why: string;
  scratch: boolean;
}

export interface ConfigVerdict {
  missing: MissingOption[];
  /** Module names of needed options that are =m: their .ko files must come with the kernel. */
  asModules: string[];
  /** Module names of needed options that are =y. */
  builtIn: string[];
}

export function checkGuestConfig(cfg: Map<string, string>, o: { scratch: boolean }): ConfigVerdict {
  const missing: MissingOption[] = [];
  const asModules: string[] = [];
  const builtIn: string[] = [];
  for (const r of GUEST_REQUIREMENTS) {
    if (r.scratch && !o.scratch) continue;
    const v = cfg.get(r.option) ?? null;
    if (v === 'y') {
      if (r.module) builtIn.push(r.module);
    } else if (v === 'm' && r.module) {
      asModules.push(r.module);
    } else {
      missing.push({ option: r.option, have: v, need: r.module ? 'y or m' : 'y', why: r.why, scratch: r.scratch ?? false });
    }
  }
  return { missing, asModules, builtIn };
}

/** "CONFIG_9P_FS is not set (needs y or m: …)", one per missing option, with the way out for the scratch disk. */
export function describeMissing(missing: MissingOption[]): string {
  const parts = missing.map((m) => `CONFIG_${m.option} ${m.have === null ? 'is not set' : `is ${m.have}`} (needs ${m.need}: ${m.why})`);
  const scratchOnly = missing.length > 0 && missing.every((m) => m.scratch);
  return parts.join('; ') + (scratchOnly ? '. Or boot without the scratch disk: --scratch 0 puts the guest\u2019s TMPDIR on tmpfs' : '');
}
