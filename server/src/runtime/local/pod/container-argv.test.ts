import { describe, expect, it } from 'vitest';
import { PID_WRAPPER } from '../sandbox-argv';
import { containerArgv, type ContainerSandboxSpec } from './container-argv';

const spec: ContainerSandboxSpec = {
  bwrapPath: '/usr/bin/bwrap',
  pidsDir: '/data/labs/abc/pids',
  seccompFile: '/data/labs/seccomp-x64.bpf',
  volumes: ['/data/labs/abc/home', '/data/labs/abc/scratch'],
  cgroup: null,
  limits: { memoryBytes: 512, maxOpenFiles: 1024, nice: 10 },
  ns: { user: '/run/autolabs/abc/ns/user', net: '/run/autolabs/abc/ns/net' },
  user: { uid: 0, gid: 0 },
  hostname: 'workstation',
  rootfs: '/run/autolabs/abc/c/web',
  etcDir: '/run/autolabs/abc/etc',
  resolvConf: null,
  storage: null,
  workingDir: '/',
  env: { PATH: '/usr/bin:/bin', LD_PRELOAD: '/x.so' },
  interactive: false,
};

describe('containerArgv', () => {
  it('builds the exact command line of a container main process running as container root', () => {
    expect(containerArgv(spec, ['nginx', '-g', 'daemon off;'])).toEqual([
      '/bin/sh', '-c', PID_WRAPPER, 'autolabs-sandbox', '/data/labs/abc/pids', '/data/labs/seccomp-x64.bpf', '/data/labs/abc/home /data/labs/abc/scratch', '', '', '', '', '',
      '/usr/bin/nice', '-n', '10',
      '/usr/bin/prlimit', '--as=512', '--nofile=1024', '--core=0', '--',
      '/usr/bin/nsenter', '--user=/run/autolabs/abc/ns/user', '--net=/run/autolabs/abc/ns/net', '--setuid=0', '--setgid=0', '--',
      '/usr/bin/bwrap', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--die-with-parent', '--new-session',
      '--hostname', 'workstation', '--seccomp', '3',
      '--bind', '/run/autolabs/abc/c/web', '/', '--proc', '/proc', '--dev', '/dev',
      '--ro-bind', '/run/autolabs/abc/etc/hosts', '/etc/hosts', '--ro-bind', '/run/autolabs/abc/etc/hostname', '/etc/hostname',
      '--chdir', '/', '--clearenv', '--',
      '/usr/bin/env', '-i', '--', 'PATH=/usr/bin:/bin', 'LD_PRELOAD=/x.so',
      'nginx', '-g', 'daemon off;',
    ]);
  });

  it('gives a non-root container user its own user namespace, and the terminal the storage and no new session', () => {
    const argv = containerArgv({ ...spec, user: { uid: 1000, gid: 1000 }, storage: { source: '/run/autolabs/abc/home', mountPath: '/home/student' }, interactive: true }, ['/bin/bash', '-l']);
    expect(argv).toEqual(expect.arrayContaining(['--setuid=1000', '--setgid=1000']));
    expect(argv.join(' ')).toContain('/usr/bin/bwrap --unshare-user --uid 1000 --gid 1000 --unshare-pid');
    expect(argv.join(' ')).toContain('--bind /run/autolabs/abc/home /home/student');
    expect(argv).not.toContain('--new-session');
  });

  it('binds the platform key read-only where the image\'s sshd reads its authorized keys, when given one', () => {
    const argv = containerArgv({ ...spec, authorizedKeys: '/run/autolabs/abc/etc/authorized_keys' }, ['/usr/local/bin/start-sshd']).join(' ');
    expect(argv).toContain('--ro-bind /run/autolabs/abc/etc/authorized_keys /etc/autolabs/authorized_keys');
    expect(containerArgv(spec, ['true']).join(' ')).not.toContain('authorized_keys');
  });

  it('sets no lab variable before env -i: bubblewrap and nsenter see none of them', () => {
    const argv = containerArgv(spec, ['true']);
    expect(argv.indexOf('LD_PRELOAD=/x.so')).toBeGreaterThan(argv.indexOf('/usr/bin/env'));
    expect(argv).not.toContain('--setenv');
  });
});
