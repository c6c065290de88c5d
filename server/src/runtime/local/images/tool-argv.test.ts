import { describe, expect, it } from 'vitest';
import { goArch, skopeoCopyArgv, type PullCommand } from './skopeo-argv';
import { umociGcArgv, umociUnpackArgv } from './umoci-argv';

const base: Omit<PullCommand, 'source'> = { store: '/d/images/oci', name: 'r.example/a/b:1', policyFile: '/d/images/policy.json', arch: 'amd64', timeoutSeconds: 1800 };
const head = ['--policy', '/d/images/policy.json', '--override-arch', 'amd64', '--override-os', 'linux', '--command-timeout', '1800s', 'copy'];

describe('skopeoCopyArgv', () => {
  it('pulls from a verified registry anonymously when no credentials file is configured', () => {
    const argv = skopeoCopyArgv({ ...base, source: { kind: 'registry', reference: 'r.example/a/b:1', insecure: false, authFile: null } });
    expect(argv).toEqual([...head, '--src-no-creds', 'docker://r.example/a/b:1', 'oci:/d/images/oci:r.example/a/b:1']);
  });

  it('turns TLS verification off only for a registry listed as insecure, and uses the credentials file', () => {
    const argv = skopeoCopyArgv({ ...base, source: { kind: 'registry', reference: 'r.example/a/b:1', insecure: true, authFile: '/etc/autolabs/auth.json' } });
    expect(argv).toEqual([...head, '--src-tls-verify=false', '--src-authfile', '/etc/autolabs/auth.json', 'docker://r.example/a/b:1', 'oci:/d/images/oci:r.example/a/b:1']);
  });

  it('copies a local layout image with no registry options', () => {
    const argv = skopeoCopyArgv({ ...base, name: 'autolabs/x:1', source: { kind: 'layout', layout: '/d/images/local', name: 'autolabs/x:1' } });
    expect(argv).toEqual([...head, 'oci:/d/images/local:autolabs/x:1', 'oci:/d/images/oci:autolabs/x:1']);
  });

  it('names the host architecture the way image platforms do', () => {
    expect(['x64', 'arm64', 'ia32', 'riscv64'].map(goArch)).toEqual(['amd64', 'arm64', '386', 'riscv64']);
  });
});

describe('umoci argv', () => {
  it('unpacks as root with container ids 0..65535 shifted to uidBase', () => {
    expect(umociUnpackArgv({ layout: '/d/oci', name: 'r/a:1', bundle: '/d/tmp/u1', uidBase: 200000, root: true })).toEqual([
      'unpack', '--uid-map', '0:200000:65536', '--gid-map', '0:200000:65536', '--image', '/d/oci:r/a:1', '/d/tmp/u1',
    ]);
  });

  it('unpacks rootless without id maps when not root', () => {
    expect(umociUnpackArgv({ layout: '/d/oci', name: 'r/a:1', bundle: '/d/tmp/u1', uidBase: 200000, root: false })).toEqual([
      'unpack', '--rootless', '--image', '/d/oci:r/a:1', '/d/tmp/u1',
    ]);
  });

  it('collects garbage in the store layout', () => {
    expect(umociGcArgv('/d/oci')).toEqual(['gc', '--layout', '/d/oci']);
  });
});
