import { describe, expect, it } from 'vitest';
import { instanceNames } from '../names';
import { startRequest } from '../testing/lab-request';
import { AUTHORIZED_KEYS_ANNOTATION, makePod, SERVER_CAPABILITIES, SSHD_CAPABILITIES } from './pod';

const ID = '0b6f1e0c-8a7e-4c61-9b0e-2f6d1a0c9e11';
const LABELS = {
  app: 'lab',
  'autolabs.io/instance': ID,
  lab_id: 'linux-basics',
  student_id: 'u-alice',
  course_id: 'linux-101',
  deployment_mode: 'per_student',
  'app.kubernetes.io/managed-by': 'autolabs',
};

describe('makePod', () => {
  it('builds a locked-down single-container pod with the storage mounted in the terminal container', () => {
    const req = startRequest();
    const names = instanceNames(req);
    expect(makePod(req, names, 'labs')).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: names.pod, namespace: 'labs', labels: LABELS },
      spec: {
        hostname: 'linux-basics',
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        restartPolicy: 'Always',
        securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        hostAliases: [{ ip: '127.0.0.1', hostnames: ['shell'] }],
        containers: [
          {
            name: 'shell',
            image: 'autolabs/linux-basics:latest',
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            volumeMounts: [{ name: 'storage', mountPath: '/home/student' }],
          },
        ],
        volumes: [{ name: 'storage', persistentVolumeClaim: { claimName: names.pvc } }],
      },
    });
  });

  it('maps command, args, env, ports and resources of every container; only the terminal gets the volume; ssh adds port 22 and sshd capabilities, declared ports a server\'s', () => {
    const req = startRequest(
      { courseKey: undefined },
      {
        mode: 'per_group',
        storage: { size: '2Gi', mountPath: '/work' },
        containers: [
          {
            name: 'attacker',
            image: 'autolabs/sqli-attacker:latest',
            terminal: true,
            ssh: true,
            command: ['/bin/sh'],
            args: ['-c', 'sleep infinity'],
            env: { TARGET: 'http://target', MODE: 'lab' },
            resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
          },
          { name: 'target', image: 'autolabs/sqli-target:latest', ports: [{ name: 'http', containerPort: 80 }, { containerPort: 5353, protocol: 'UDP' }] },
        ],
      },
    );
    const pod = makePod(req, instanceNames(req), 'labs');
    expect(pod.metadata?.labels).toEqual({ ...LABELS, course_id: undefined, deployment_mode: 'per_group' });
    expect(pod.metadata?.labels).not.toHaveProperty('course_id');
    expect(pod.spec?.hostAliases).toEqual([{ ip: '127.0.0.1', hostnames: ['attacker', 'target'] }]);
    expect(pod.spec?.containers).toEqual([
      {
        name: 'attacker',
        image: 'autolabs/sqli-attacker:latest',
        command: ['/bin/sh'],
        args: ['-c', 'sleep infinity'],
        env: [
          { name: 'TARGET', value: 'http://target' },
          { name: 'MODE', value: 'lab' },
        ],
        ports: [{ name: 'ssh', containerPort: 22, protocol: 'TCP' }],
        resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: SSHD_CAPABILITIES } },
        volumeMounts: [
          { name: 'storage', mountPath: '/work' },
          { name: 'ssh-keys', mountPath: '/etc/autolabs/authorized_keys', subPath: 'authorized_keys', readOnly: true },
        ],
      },
      {
        name: 'target',
        image: 'autolabs/sqli-target:latest',
        ports: [
          { name: 'http', containerPort: 80, protocol: 'TCP' },
          { containerPort: 5353, protocol: 'UDP' },
        ],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
        // A server that starts as root: bind port 80, run its workers as www-data.
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: SERVER_CAPABILITIES } },
      },
    ]);
  });

  it('does not add a second port 22 when an ssh container already declares it', () => {
    const req = startRequest({}, { containers: [{ name: 'shell', image: 'img', terminal: true, ssh: true, ports: [{ name: 'sshd', containerPort: 22 }] }] });
    expect(makePod(req, instanceNames(req), 'labs').spec?.containers[0].ports).toEqual([{ name: 'sshd', containerPort: 22, protocol: 'TCP' }]);
  });

  it("places the pod with the installation's node selector and tolerations and pulls autolabs/* from its registry", () => {
    const req = startRequest({}, { containers: [{ name: 'shell', image: 'autolabs/netlab:latest', terminal: true }, { name: 'db', image: 'postgres:16' }] });
    const pod = makePod(req, instanceNames(req), 'labs', {
      imageRewrites: [{ from: 'docker.io/autolabs/', to: '172.31.255.1:5000/autolabs/' }],
      nodeSelector: { 'autolabs.io/real-node': 'true' },
      tolerations: [{ key: 'autolabs.io/real-node', operator: 'Exists', effect: 'NoSchedule' }],
    });
    expect(pod.spec?.nodeSelector).toEqual({ 'autolabs.io/real-node': 'true' });
    expect(pod.spec?.tolerations).toEqual([{ key: 'autolabs.io/real-node', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.spec?.containers.map((c) => c.image)).toEqual(['172.31.255.1:5000/autolabs/netlab:latest', 'docker.io/library/postgres:16']);
  });

  it("hands the student's public keys to the ssh containers' sshd through an annotation and the downward API", () => {
    const req = {
      ...startRequest({}, { containers: [{ name: 'shell', image: 'img', terminal: true, ssh: true }, { name: 'web', image: 'nginx' }] }),
      sshAuthorizedKeys: ['ssh-ed25519 AAAAC3Nza alice@laptop', ' ssh-ed25519 AAAAC3Nzb alice@phone \n'],
    };
    const pod = makePod(req, instanceNames(req), 'labs');
    expect(pod.metadata?.annotations).toEqual({ [AUTHORIZED_KEYS_ANNOTATION]: 'ssh-ed25519 AAAAC3Nza alice@laptop\nssh-ed25519 AAAAC3Nzb alice@phone\n' });
    expect(pod.spec?.volumes).toContainEqual({
      name: 'ssh-keys',
      downwardAPI: { defaultMode: 0o644, items: [{ path: 'authorized_keys', fieldRef: { fieldPath: `metadata.annotations['${AUTHORIZED_KEYS_ANNOTATION}']` } }] },
    });
    expect(pod.spec?.containers.map((c) => c.volumeMounts?.map((m) => m.name))).toEqual([['storage', 'ssh-keys'], undefined]);
  });

  it('gives a lab without ssh neither the annotation nor the keys volume', () => {
    const req = startRequest();
    const pod = makePod(req, instanceNames(req), 'labs');
    expect(pod.metadata?.annotations).toBeUndefined();
    expect(pod.spec?.volumes?.map((v) => v.name)).toEqual(['storage']);
  });
});
