/**
 * charts/autolabs renders cleanly: `helm lint` with each values file, and `helm template` output that matches
 * the processes, entry points and environment the server expects (common/src/config/env.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { envSchema } from '@autolabs/common/config/env';
import { clusterEnv } from './cluster-env';
import type { V1Container } from '@kubernetes/client-node';
import { chart, devValuesWithTicketKeys } from './kube/chart-values';
import { helm } from './kube/helm';

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: { template?: { spec?: { containers?: V1Container[] } } };
}

const dev = devValuesWithTicketKeys();
const devArgs = dev.args;
let kubeconfig: string;

beforeAll(() => {
  kubeconfig = clusterEnv().kubeconfig;
});

afterAll(() => {
  dev.cleanup();
});

async function render(args: string[]): Promise<Manifest[]> {
  const r = await helm(kubeconfig, ['template', 'autolabs', chart, ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

function containerOf(manifests: Manifest[], deployment: string): V1Container {
  const d = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === deployment);
  const c = d?.spec?.template?.spec?.containers?.[0];
  if (!c) throw new Error(`no container in Deployment ${deployment}`);
  return c;
}

describe('helm lint', () => {
  it.each([
    ['values.yaml defaults plus the one required value, s3.endpoint', ['--set', 's3.endpoint=http://minio:9000']],
    ['values-dev.yaml with ticket keys', devArgs],
    ['values-prod.yaml', ['-f', `${chart}/values-prod.yaml`]],
    ['values-stage.yaml', ['-f', `${chart}/values-stage.yaml`]],
  ])('passes with %s', async (_name, args) => {
    const r = await helm(kubeconfig, ['lint', '--strict', chart, ...args]);
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.code).toBe(0);
  });
});

describe('helm template', () => {
  it('renders the three processes, three services, the ingress, the Secret and RBAC for the lab namespace', async () => {
    const m = await render(devArgs);
    const names = m.map((x) => `${x.kind}/${x.metadata.name}`).sort();
    expect(names).toEqual(
      [
        'Deployment/autolabs-api',
        'Deployment/autolabs-gateway',
        'Deployment/autolabs-worker',
        'Ingress/autolabs',
        'Namespace/labs-dev',
        'Role/autolabs-lab-runtime',
        'Role/autolabs-lab-terminal',
        'RoleBinding/autolabs-lab-runtime',
        'RoleBinding/autolabs-lab-terminal',
        'Secret/autolabs',
        'Service/autolabs-api',
        'Service/autolabs-gateway',
        'Service/autolabs-ssh',
        'ServiceAccount/autolabs-gateway',
        'ServiceAccount/autolabs-runtime',
      ].sort(),
    );
    expect(m.filter((x) => x.kind.startsWith('Role')).every((x) => x.metadata.namespace === 'labs-dev')).toBe(true);
  });

  it('runs the documented entry points of image autolabs/platform', async () => {
    const m = await render(devArgs);
    expect(containerOf(m, 'autolabs-api').command).toEqual(['node', '--enable-source-maps', 'server/src/server.js']);
    expect(containerOf(m, 'autolabs-worker').command).toEqual(['node', '--enable-source-maps', 'server/src/worker.js']);
    expect(containerOf(m, 'autolabs-gateway').command).toEqual(['node', '--enable-source-maps', 'gateway/src/server.js']);
    expect(containerOf(m, 'autolabs-api').image).toBe('autolabs/platform:dev');
  });

  it('sets only variables that common/src/config/env.ts knows, secrets from the Secret, private key on the API only', async () => {
    const m = await render(devArgs);
    // POD_IP is the downward-API input of GATEWAY_INTERNAL_URL, not read by the process itself.
    const known = new Set([...Object.keys(envSchema.shape), 'POD_IP']);
    for (const deployment of ['autolabs-api', 'autolabs-worker', 'autolabs-gateway']) {
      const env = containerOf(m, deployment).env ?? [];
      const byName = new Map(env.map((e) => [e.name, e]));
      expect(env.map((e) => e.name).filter((n) => !known.has(n))).toEqual([]);
      expect(byName.get('LAB_RUNTIME')?.value).toBe('kubernetes');
      expect(byName.get('LAB_NAMESPACE')?.value).toBe('labs-dev');
      for (const secret of ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'TICKET_PUBLIC_KEY']) {
        expect(byName.get(secret)?.valueFrom?.secretKeyRef, `${deployment} ${secret}`).toEqual({ name: 'autolabs', key: secret });
      }
      expect(byName.has('TICKET_PRIVATE_KEY')).toBe(deployment === 'autolabs-api');
    }
    const gateway = new Map((containerOf(m, 'autolabs-gateway').env ?? []).map((e) => [e.name, e]));
    expect(gateway.get('POD_IP')?.valueFrom?.fieldRef?.fieldPath).toBe('status.podIP');
    expect(gateway.get('GATEWAY_INTERNAL_URL')?.value).toBe(`ws://$(POD_IP):${containerOf(m, 'autolabs-gateway').ports?.[0]?.containerPort}`);
  });

  it('wires the SSH front door: a Service to the gateway on GATEWAY_SSH_PORT, its host key on the gateway only, the public line on the API, the internal secret on both', async () => {
    const m = await render(devArgs);
    const service = m.find((x) => x.kind === 'Service' && x.metadata.name === 'autolabs-ssh') as unknown as { spec: { type: string; ports: { port: number; targetPort: string }[] } };
    expect(service.spec.ports).toEqual([{ name: 'ssh', port: 2222, targetPort: 'ssh' }]);
    expect(service.spec.type).toBe('NodePort');
    const gateway = containerOf(m, 'autolabs-gateway');
    expect(gateway.ports?.find((p) => p.name === 'ssh')?.containerPort).toBe(2222);
    const envOf = (deployment: string) => new Map((containerOf(m, deployment).env ?? []).map((e) => [e.name, e]));
    const [api, gw, worker] = [envOf('autolabs-api'), envOf('autolabs-gateway'), envOf('autolabs-worker')];
    for (const env of [api, gw, worker]) expect(env.get('GATEWAY_SSH_PORT')?.value).toBe('2222');
    expect([api.has('GATEWAY_SSH_HOST_KEY'), gw.get('GATEWAY_SSH_HOST_KEY')?.valueFrom?.secretKeyRef?.key, worker.has('GATEWAY_SSH_HOST_KEY')]).toEqual([false, 'GATEWAY_SSH_HOST_KEY', false]);
    expect(api.get('GATEWAY_SSH_HOST_PUBLIC_KEY')?.valueFrom?.secretKeyRef?.key).toBe('GATEWAY_SSH_HOST_PUBLIC_KEY');
    expect([api.has('INTERNAL_API_SECRET'), gw.has('INTERNAL_API_SECRET'), worker.has('INTERNAL_API_SECRET')]).toEqual([true, true, false]);
    expect(gw.get('API_INTERNAL_URL')?.value).toBe('http://autolabs-api');

    const off = await render([...devArgs, '--set', 'gateway.ssh.enabled=false']);
    expect(off.some((x) => x.metadata.name === 'autolabs-ssh')).toBe(false);
    expect(new Map((containerOf(off, 'autolabs-gateway').env ?? []).map((e) => [e.name, e.value])).get('GATEWAY_SSH_PORT')).toBe('0');
  });

  it('wires terminals over SSH: TERMINAL_BACKEND everywhere, the platform key\'s private half on the gateway only, its public line on the API and workers', async () => {
    const envOf = (m: Awaited<ReturnType<typeof render>>, deployment: string) => new Map((containerOf(m, deployment).env ?? []).map((e) => [e.name, e]));
    const platform = ['--set-string', 'secrets.labSshPrivateKey=PRIVATE', '--set-string', 'secrets.labSshPublicKey=ssh-ed25519 AAAA platform'];
    const m = await render([...devArgs, '--set', 'terminalBackend=ssh', ...platform]);
    const [api, gw, worker] = ['autolabs-api', 'autolabs-gateway', 'autolabs-worker'].map((d) => envOf(m, d));
    for (const env of [api, gw, worker]) expect(env.get('TERMINAL_BACKEND')?.value).toBe('ssh');
    const ref = (env: typeof api, name: string) => env.get(name)?.valueFrom?.secretKeyRef?.key;
    expect([ref(api, 'LAB_SSH_PRIVATE_KEY'), ref(gw, 'LAB_SSH_PRIVATE_KEY'), ref(worker, 'LAB_SSH_PRIVATE_KEY')]).toEqual([undefined, 'LAB_SSH_PRIVATE_KEY', undefined]);
    expect([ref(api, 'LAB_SSH_PUBLIC_KEY'), ref(gw, 'LAB_SSH_PUBLIC_KEY'), ref(worker, 'LAB_SSH_PUBLIC_KEY')]).toEqual(['LAB_SSH_PUBLIC_KEY', undefined, 'LAB_SSH_PUBLIC_KEY']);
    const secret = m.find((x) => x.kind === 'Secret') as unknown as { stringData: Record<string, string> };
    expect([secret.stringData.LAB_SSH_PRIVATE_KEY, secret.stringData.LAB_SSH_PUBLIC_KEY]).toEqual(['PRIVATE', 'ssh-ed25519 AAAA platform']);
    // Without the key pair nothing of it is set, and terminals stay Kubernetes execs.
    const plain = await render(devArgs);
    expect(['autolabs-api', 'autolabs-gateway', 'autolabs-worker'].flatMap((d) => [...envOf(plain, d).keys()].filter((k) => k.startsWith('LAB_SSH_')))).toEqual([]);
    expect(envOf(plain, 'autolabs-api').get('TERMINAL_BACKEND')?.value).toBe('exec');
  });

  it('refuses a dev install with the SSH front door but no host key, naming secrets.sshHostKey', async () => {
    const withoutHostKey = devArgs.filter((a, i) => !a.startsWith('secrets.sshHostKey=') && devArgs[i + 1]?.startsWith('secrets.sshHostKey=') !== true);
    const r = await helm(kubeconfig, ['template', 'autolabs', chart, ...withoutHostKey]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('secrets.sshHostKey (OpenSSH private key) is required when gateway.ssh.enabled');
  });

  it('with monitoring on: ServiceMonitors for the API and the gateways, a PodMonitor on the workers\' metrics port, the PrometheusRule of alerts/autolabs-rules.yaml and the dashboard ConfigMap', async () => {
    const on = ['metrics.serviceMonitor.enabled', 'metrics.prometheusRule.enabled', 'metrics.dashboards.enabled'].flatMap((v) => ['--set', `${v}=true`]);
    const m = await render([...devArgs, ...on]);
    const monitoring = m.filter((x) => ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'ConfigMap'].includes(x.kind)).map((x) => `${x.kind}/${x.metadata.name}`);
    expect(monitoring.sort()).toEqual(['ConfigMap/autolabs-dashboards', 'PodMonitor/autolabs-worker', 'PrometheusRule/autolabs', 'ServiceMonitor/autolabs-api', 'ServiceMonitor/autolabs-gateway']);
    const rule = m.find((x) => x.kind === 'PrometheusRule') as unknown as { spec: unknown };
    expect(rule.spec).toEqual(parse(readFileSync(`${chart}/alerts/autolabs-rules.yaml`, 'utf8')));
    const dashboards = m.find((x) => x.kind === 'ConfigMap') as unknown as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
    expect(dashboards.metadata.labels.grafana_dashboard).toBe('1');
    expect(JSON.parse(dashboards.data['autolabs.json'])).toEqual(JSON.parse(readFileSync(`${chart}/dashboards/autolabs.json`, 'utf8')));
    const pods = m.find((x) => x.kind === 'PodMonitor') as unknown as { spec: { podMetricsEndpoints: { port: string; authorization: { credentials: { key: string } } }[] } };
    expect(pods.spec.podMetricsEndpoints.map((e) => [e.port, e.authorization.credentials.key])).toEqual([['metrics', 'METRICS_TOKEN']]);
    expect(containerOf(m, 'autolabs-worker').ports).toEqual([{ name: 'metrics', containerPort: 3002 }]);
    for (const deployment of ['autolabs-api', 'autolabs-worker', 'autolabs-gateway']) {
      const env = new Map((containerOf(m, deployment).env ?? []).map((e) => [e.name, e]));
      expect(env.get('METRICS_TOKEN')?.valueFrom?.secretKeyRef, deployment).toEqual({ name: 'autolabs', key: 'METRICS_TOKEN', optional: true });
      expect(env.get('WORKER_METRICS_PORT')?.value, deployment).toBe('3002');
    }
  });

  it('the rendered values pass the server environment schema', async () => {
    const m = await render(devArgs);
    const secret = m.find((x) => x.kind === 'Secret') as unknown as { stringData: Record<string, string> };
    const env = Object.fromEntries(
      (containerOf(m, 'autolabs-api').env ?? []).map((e) => [e.name, e.value ?? secret.stringData[e.valueFrom?.secretKeyRef?.key ?? '']]),
    );
    const parsed = envSchema.safeParse(env);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('refuses to render the bare defaults, naming the missing s3.endpoint', async () => {
    // helm lint reports a failed `required` only as INFO, so this is checked on template.
    const r = await helm(kubeconfig, ['template', 'autolabs', chart]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('s3.endpoint is required');
  });

  it('refuses to render a dev install without ticket keys, naming the missing value', async () => {
    const r = await helm(kubeconfig, ['template', 'autolabs', chart, '-f', `${chart}/values-dev.yaml`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('secrets.ticketPrivateKey (Ed25519 PEM) is required');
  });
});
