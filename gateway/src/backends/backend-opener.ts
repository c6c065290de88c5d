/**
 * Chooses the TerminalBackend for a target kind, in one place: the local PTY, or a Kubernetes exec when
 * the gateway was given Kubernetes credentials. ssh targets are refused with NOT_AVAILABLE_YET instead of
 * failing somewhere deeper.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { AppError } from '@autolabs/server/errors/app-error';
import type { TerminalTarget } from '@autolabs/server/runtime/lab-runtime';
import { LocalPtyBackend } from './local-pty-backend';
import type { TerminalBackend, TerminalBackendOpener, TerminalSize } from './terminal-backend';

export interface BackendOpenerOptions {
  /** Credentials for k8s-exec targets; without them such targets are RUNTIME_UNAVAILABLE. */
  kubeConfig?: KubeConfig;
}

export function createBackendOpener(opts: BackendOpenerOptions = {}): TerminalBackendOpener {
  return {
    async open(target: TerminalTarget, size: TerminalSize): Promise<TerminalBackend> {
      if (target.kind === 'pty') return LocalPtyBackend.open(target, size);
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

/** Local PTY only: what a gateway without Kubernetes credentials opens. */
export const defaultBackendOpener: TerminalBackendOpener = createBackendOpener();
