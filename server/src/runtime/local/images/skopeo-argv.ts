/**
 * The `skopeo copy` command line that brings one image into the store layout. Pure, so the security-relevant
 * parts (TLS verification is off only for registries listed as insecure; credentials only from the configured
 * file, never from whatever login the host user has) are tested by exact equality.
 */

/** Where an image comes from: a registry, or an OCI layout on this machine (a multi-platform local image). */
export type PullSource =
  | { kind: 'registry'; reference: string; insecure: boolean; authFile: string | null }
  | { kind: 'layout'; layout: string; name: string };

export interface PullCommand {
  source: PullSource;
  /** OCI layout the image is written to, tagged `name`. */
  store: string;
  name: string;
  policyFile: string;
  /** Go architecture name (amd64, arm64) so a manifest list resolves to this host. */
  arch: string;
  timeoutSeconds: number;
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** Node's `process.arch` in the naming of image platforms (Go's GOARCH). */
export function goArch(nodeArch: string): string {
  return GO_ARCH[nodeArch] ?? nodeArch;
}

export function skopeoCopyArgv(cmd: PullCommand): string[] {
  const src = cmd.source;
  const sourceArgs =
    src.kind === 'registry'
      ? [...(src.insecure ? ['--src-tls-verify=false'] : []), ...(src.authFile !== null ? ['--src-authfile', src.authFile] : ['--src-no-creds']), `docker://${src.reference}`]
      : [`oci:${src.layout}:${src.name}`];
  return [
    '--policy',
    cmd.policyFile,
    '--override-arch',
    cmd.arch,
    '--override-os',
    'linux',
    '--command-timeout',
    `${cmd.timeoutSeconds}s`,
    'copy',
    ...sourceArgs,
    `oci:${cmd.store}:${cmd.name}`,
  ];
}

/** Accept any signature: trust comes from the registry list and the digests, and the host's policy.json may be absent. */
export const PULL_POLICY = JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] });
