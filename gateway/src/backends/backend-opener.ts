/**
 * Chooses the TerminalBackend for a target kind, in one place: a local runtime sandbox (its argv read from
 * the runtime's own record, never from the ticket), or a Kubernetes exec when the gateway was given
 * Kubernetes credentials. A plain `pty` target (any argv) is refused with FORBIDDEN unless the opener was
 * built for tests with `plainPty`: a ticket is signed, but a leaked key must not become a shell on the host.
 * ssh targets are refused with NOT_AVAILABLE_YET instead of failing somewhere deeper.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { AppError } from '@autolabs/server/errors/app-error';
import type { TerminalTarget } from '@autolabs/server/runtime/lab-runtime';
import { readTerminalLaunch } from '@autolabs/server/runtime/local/sandbox-launch';
import { LocalPtyBackend } from './local-pty-backend';
import type { TerminalBackend, TerminalBackendOpener, TerminalSize } from './terminal-backend';

export interface BackendOpenerOptions {
  /** Credentials for k8s-exec targets; without them such targets are RUNTIME_UNAVAILABLE. */
  kubeConfig?: KubeConfig;
  /** The local runtime's data directory (LAB_RUNTIME=local): local-sandbox targets are opened from it. */
  localDataDir?: string;
  /** Open plain `pty` targets (any argv). Tests and benchmarks only; never set from configuration. */
  plainPty?: boolean;
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
      throw new AppError('NOT_AVAILABLE_YET', `terminal targets of kind ${target.kind} are not available yet`, { field: 'target.kind' });
    },
  };
}

/** Plain local programs: the opener of tests and benchmarks (a shell, `seq`, ...). */
export const plainPtyOpener: TerminalBackendOpener = createBackendOpener({ plainPty: true });
