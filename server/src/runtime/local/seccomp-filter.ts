/**
 * The seccomp filter every sandbox runs under (bubblewrap's `--seccomp`): it refuses new user namespaces.
 * A student who can create one becomes "root" in it and can mount and rearrange file systems, which is
 * the first step of most kernel escapes; nothing a lab needs depends on it. Refused: unshare and clone
 * with CLONE_NEWUSER (EPERM), clone3 (ENOSYS: its flags sit in memory a filter cannot read, and glibc
 * falls back to clone on ENOSYS, as it does under Docker's and Flatpak's filters), the x32 ABI on x86-64,
 * and any architecture other than the host's own (a 32-bit binary would bypass the syscall numbers).
 *
 * The program is classic BPF over `struct seccomp_data` { int nr; u32 arch; u64 ip; u64 args[6] },
 * little-endian, so args[0]'s low word (where CLONE_NEWUSER lives) is at offset 16.
 */
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06;

const RET_ALLOW = 0x7fff0000;
const retErrno = (errno: number) => 0x00050000 | errno;
const EPERM = 1;
const ENOSYS = 38;

const CLONE_NEWUSER = 0x10000000;
const X32_SYSCALL_BIT = 0x40000000;

interface Abi {
  audit: number;
  unshare: number;
  clone: number;
  clone3: number;
  x32: boolean;
}

const ABIS: Record<string, Abi> = {
  x64: { audit: 0xc000003e, unshare: 272, clone: 56, clone3: 435, x32: true },
  arm64: { audit: 0xc00000b7, unshare: 97, clone: 220, clone3: 435, x32: false },
};

type Insn = [code: number, jt: number, jf: number, k: number];

/** The filter for `arch` (process.arch), or null when we have no syscall table for it. */
export function userNamespaceFilter(arch: string = process.arch): Buffer | null {
  const abi = ABIS[arch];
  if (!abi) return null;
  const deny = retErrno(EPERM);
  // Indexes below are positions in this list; jumps are relative to the next instruction.
  const program: Insn[] = [
    /* 0 */ [BPF_LD_W_ABS, 0, 0, 4],
    /* 1 */ [BPF_JEQ_K, 1, 0, abi.audit],
    /* 2 */ [BPF_RET_K, 0, 0, deny],
    /* 3 */ [BPF_LD_W_ABS, 0, 0, 0],
    /* 4 */ abi.x32 ? [BPF_JGE_K, 6, 0, X32_SYSCALL_BIT] : [BPF_JEQ_K, 6, 0, 0xffffffff],
    /* 5 */ [BPF_JEQ_K, 3, 0, abi.unshare],
    /* 6 */ [BPF_JEQ_K, 2, 0, abi.clone],
    /* 7 */ [BPF_JEQ_K, 5, 0, abi.clone3],
    /* 8 */ [BPF_RET_K, 0, 0, RET_ALLOW],
    /* 9 */ [BPF_LD_W_ABS, 0, 0, 16],
    /* 10 */ [BPF_JSET_K, 0, 1, CLONE_NEWUSER],
    /* 11 */ [BPF_RET_K, 0, 0, deny],
    /* 12 */ [BPF_RET_K, 0, 0, RET_ALLOW],
    /* 13 */ [BPF_RET_K, 0, 0, retErrno(ENOSYS)],
  ];
  const out = Buffer.alloc(program.length * 8);
  program.forEach(([code, jt, jf, k], i) => {
    out.writeUInt16LE(code, i * 8);
    out.writeUInt8(jt, i * 8 + 2);
    out.writeUInt8(jf, i * 8 + 3);
    out.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return out;
}
