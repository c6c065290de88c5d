/**
 * Chooses the TerminalBackend for a target kind, in one place: a local runtime sandbox (its argv read from
 * the runtime's own record, never from the ticket), or a Kubernetes exec when the gateway was given
 * Kubernetes credentials. A plain `pty` target (any argv) is refused with FORBIDDEN unless the opener was
 * built for tests with `plainPty`: a ticket is signed, but a leaked key must not become a shell on the host.
 * An ssh target is the lab's own sshd, reached with the platform key (ssh2-backend.ts): over TCP, or for
 * a local pod through a relay into the pod's network (pod-network-relay.ts).
 */
import type { Duplex } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { AppError } from '@autolabs/common/errors/app-error';
import type { TerminalTarget } from '@autolabs/common/lab-access/terminal-target';
import { readTerminalLaunch } from '@autolabs/common/lab-access/local/sandbox-launch';
import { DEFAULT_POD_RUN_DIR } from '@autolabs/common/lab-access/local/pod-run-dir';
import { LocalPtyBackend } from './local-pty-backend';
import { connectInPod } from './pod-network-relay';
import { Ssh2Backend } from './ssh2-backend';
import type { TerminalBackend, TerminalBackendOpener, TerminalSize } from './terminal-backend';

export interface BackendOpenerOptions {
  /** Credentials for k8s-exec targets; without them such targets are RUNTIME_UNAVAILABLE. */
  kubeConfig?: KubeConfig;
  /** The local runtime's data directory (LAB_RUNTIME=local): local-sandbox targets are opened from it. */
  localDataDir?: string;
  /** Open plain `pty` targets (any argv). Tests and benchmarks only; never set from configuration. */
  plainPty?: boolean;
  /**
   * The platform key for ssh targets (LAB_SSH_PRIVATE_KEY), or how to load it when the first ssh target
   * is opened; without it such targets are RUNTIME_UNAVAILABLE.
   */
  labSshPrivateKey?: string | (() => Promise<string>);
  /** Where the local runtime keeps running pods (their network namespaces); default /run/autolabs. */
  localPodRunDir?: string;
}

export function createBackendOpener(opts: BackendOpenerOptions = {}): TerminalBackendOpener {
  return {
    async open(target: TerminalTarget, size: TerminalSize): Promise<TerminalBackend> {
      if (target.kind === 'local-sandbox') {
        if (!opts.localDataDir) throw new AppError('RUNTIME_UNAVAILABLE', 'this gateway does not serve local labs (LAB_RUNTIME=local)', { field: 'target.kind' });
        return LocalPtyBackend.open(await readTerminalLaunch(opts.localDataDir, target.instanceId), size);
      }
      if (target.kind === 'pty') {
        if (!opts.plainPty) throw new AppError('FORBIDDEN', 'this gateway opens terminals only in lab sandboxes', { field: 'target.kind' });
        return LocalPtyBackend.open(target, size);
      }
      if (target.kind === 'k8s-exec') {
        if (!opts.kubeConfig) {
          throw new AppError('RUNTIME_UNAVAILABLE', 'this gateway has no Kubernetes credentials (set LAB_RUNTIME=kubernetes and KUBECONFIG, or run it in the cluster)', { field: 'KUBECONFIG' });
        }
        // Loaded on first use: @kubernetes/client-node costs ~100 MiB of heap a gateway without it never needs.
        const { K8sExecBackend } = await import('./k8s-exec-backend');
        return K8sExecBackend.open(opts.kubeConfig, target, size);
      }
      if (target.kind === 'ssh') return openSsh(opts, target, size);
      throw new AppError('NOT_AVAILABLE_YET', `terminal targets of kind ${(target as { kind: string }).kind} are not available yet`, { field: 'target.kind' });
    },
  };
}

async function openSsh(opts: BackendOpenerOptions, target: Extract<TerminalTarget, { kind: 'ssh' }>, size: TerminalSize): Promise<TerminalBackend> {
  if (!opts.labSshPrivateKey) throw new AppError('RUNTIME_UNAVAILABLE', 'this gateway has no platform key for labs reached over SSH (LAB_SSH_PRIVATE_KEY)', { field: 'LAB_SSH_PRIVATE_KEY' });
  const privateKey = typeof opts.labSshPrivateKey === 'function' ? await opts.labSshPrivateKey() : opts.labSshPrivateKey;
  let sock: Duplex | undefined;
  if (target.localPod !== undefined) {
    if (!opts.localDataDir) throw new AppError('RUNTIME_UNAVAILABLE', 'this gateway does not serve local labs (LAB_RUNTIME=local)', { field: 'target.kind' });
    sock = await connectInPod({ dataDir: opts.localDataDir, runDir: opts.localPodRunDir ?? DEFAULT_POD_RUN_DIR, instanceId: target.localPod, host: target.host, port: target.port });
  }
  return Ssh2Backend.open(target, size, { privateKey, sock });
}

/** Plain local programs: the opener of tests and benchmarks (a shell, `seq`, ...). */
export const plainPtyOpener: TerminalBackendOpener = createBackendOpener({ plainPty: true });
