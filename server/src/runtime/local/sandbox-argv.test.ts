import { describe, expect, it } from 'vitest';
import { PID_WRAPPER, sandboxArgv, type SandboxSpec } from './sandbox-argv';
import { instancePaths } from '@autolabs/common/lab-access/local/instance-paths';

const spec: SandboxSpec = {
  bwrapPath: '/usr/bin/bwrap',
  layout: { system: [{ kind: 'ro-bind', path: '/usr' }, { kind: 'symlink', path: '/bin', target: 'usr/bin' }], etc: ['/etc/profile'], etcNetwork: ['/etc/resolv.conf'], editors: ['vi'] },
  paths: instancePaths('/data', 'abc'),
  mountPath: '/home/student',
  hostname: 'web-lab',
  network: false,
  identity: { mode: 'setuid', uid: 1000000042 },
  limits: { memoryBytes: 512, cpuMillis: 500, maxProcesses: 64, maxFileBytes: 1024, maxOpenFiles: 256, nice: 10, tmpBytes: 128 },
  cgroup: null,
  env: { HOME: '/home/student', LD_PRELOAD: '/home/student/x.so' },
  seccompFile: '/data/labs/seccomp-x64.bpf',
  diskQuota: false,
  interactive: true,
};

describe('sandboxArgv', () => {
  it('builds the exact command line of a root-mode terminal without network, cgroups or quota volumes; the lab env is set only after the drop', () => {
    expect(sandboxArgv(spec, ['/bin/bash', '-l'])).toEqual([
      '/bin/sh', '-c', PID_WRAPPER, 'autolabs-sandbox', '/data/labs/abc/pids', '/data/labs/seccomp-x64.bpf', '', '', '', '', '', '',
      '/usr/bin/nice', '-n', '10',
      '/usr/bin/prlimit', '--as=512', '--fsize=1024', '--nofile=256', '--core=0', '--nproc=64', '--',
      '/usr/bin/bwrap', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--unshare-net', '--die-with-parent',
      '--hostname', 'web-lab',
      '--seccomp', '3',
      '--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin',
      '--proc', '/proc', '--dev', '/dev',
      '--perms', '1777', '--size', '128', '--tmpfs', '/tmp', '--perms', '1777', '--size', '128', '--tmpfs', '/var/tmp',
      '--tmpfs', '/run',
      '--perms', '0755', '--dir', '/etc', '--perms', '0755', '--dir', '/home',
      '--ro-bind', '/etc/profile', '/etc/profile',
      '--ro-bind', '/data/labs/abc/etc/passwd', '/etc/passwd', '--ro-bind', '/data/labs/abc/etc/group', '/etc/group',
      '--ro-bind', '/data/labs/abc/etc/hosts', '/etc/hosts', '--ro-bind', '/data/labs/abc/etc/hostname', '/etc/hostname',
      '--bind', '/data/labs/abc/home', '/home/student', '--chdir', '/home/student',
      '--clearenv',
      '--', '/usr/bin/setpriv', '--reuid=1000000042', '--regid=1000000042', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--',
      '/usr/bin/env', '-i', '--', 'HOME=/home/student', 'LD_PRELOAD=/home/student/x.so',
      '/bin/bash', '-l',
    ]);
  });

  it('with a cgroup, passes its limits to the wrapper and drops the per-process address-space limit', () => {
    const cgroup = { root: '/sys/fs/cgroup', group: 'autolabs/abc', memoryBytes: 512, maxProcesses: 64, cpuQuotaUs: 50_000 };
    const argv = sandboxArgv({ ...spec, cgroup }, ['true']);
    expect(argv.slice(4, 13)).toEqual(['/data/labs/abc/pids', '/data/labs/seccomp-x64.bpf', '', '/sys/fs/cgroup', 'autolabs/abc', '512', '64', '50000', '/usr/bin/nice']);
    expect(argv.some((a) => a.startsWith('--as='))).toBe(false);
  });

  it('gives batch commands a new session but never a PTY shell', () => {
    expect(sandboxArgv(spec, ['true'])).not.toContain('--new-session');
    expect(sandboxArgv({ ...spec, interactive: false }, ['true'])).toContain('--new-session');
  });

  it('shares the network and its /etc files only when asked', () => {
    const online = sandboxArgv({ ...spec, network: true }, ['true']);
    expect(online).not.toContain('--unshare-net');
    expect(online).toContain('/etc/resolv.conf');
    expect(sandboxArgv(spec, ['true'])).not.toContain('/etc/resolv.conf');
  });

  it('uses a user namespace and no process limit when AutoLabs is not root', () => {
    const argv = sandboxArgv({ ...spec, identity: { mode: 'userns' } }, ['true']);
    expect(argv).toEqual(expect.arrayContaining(['--unshare-user', '--uid', '1000', '--gid', '1000']));
    expect(argv.some((a) => a.startsWith('--nproc'))).toBe(false);
    expect(argv).not.toContain('/usr/bin/setpriv');
  });

  it('creates every parent of a deeper mount path visible to the student', () => {
    const argv = sandboxArgv({ ...spec, mountPath: '/srv/work/lab' }, ['true']).join(' ');
    expect(argv).toContain('--perms 0755 --dir /srv --perms 0755 --dir /srv/work --ro-bind');
    expect(argv).toContain('--bind /data/labs/abc/home /srv/work/lab --chdir /srv/work/lab');
  });

  it('with quota volumes, binds the scratch volume at /tmp and /var/tmp and has the wrapper check both mounts', () => {
    const argv = sandboxArgv({ ...spec, diskQuota: true }, ['true']);
    expect(argv[6]).toBe('/data/labs/abc/home /data/labs/abc/scratch');
    expect(argv.join(' ')).toContain('--bind /data/labs/abc/scratch/tmp /tmp --bind /data/labs/abc/scratch/var-tmp /var/tmp');
    expect(argv).not.toContain('--tmpfs /tmp');
  });

  it('gives bubblewrap and setpriv no lab variable: none is passed with --setenv', () => {
    expect(sandboxArgv(spec, ['true'])).not.toContain('--setenv');
  });
});
