import { describe, expect, it } from 'vitest';
import { AppError } from '@autolabs/common/errors/app-error';
import { parseLabConfig, validateLabConfig, type LabConfigError } from './lab-config';

const MINIMAL = `apiVersion: autolabs.io/v1
kind: Lab
metadata:
  name: shell-basics
  title: Shell basics
spec:
  containers:
    - name: shell
      image: debian:12-slim
      terminal: true
`;

const TWO_CONTAINERS = `apiVersion: autolabs.io/v1
kind: Lab
metadata:
  name: web-lab
  title: Web lab
spec:
  containers:
    - name: client
      image: debian:12-slim
      terminal: true
      resources:
        requests: { cpu: 100m, memory: 64Mi }
        limits: { cpu: "1", memory: 256Mi }
    - name: web
      image: nginx:1.27
      ports: [{ name: http, containerPort: 80 }]
  network:
    allow:
      - { from: client, to: web, ports: [80] }
  checks:
    - name: web answers
      command: [curl, -sf, http://web/]
      expect: { exitCode: 0 }
`;

function errorsOf(yamlText: string): LabConfigError[] {
  const result = validateLabConfig(yamlText);
  if (result.ok) throw new Error('expected the config to be rejected');
  return result.errors;
}

function paths(yamlText: string): Record<string, string> {
  return Object.fromEntries(errorsOf(yamlText).map((e) => [e.path, e.message]));
}

describe('parseLabConfig', () => {
  it('fills defaults for a minimal single-container lab', () => {
    const config = parseLabConfig(MINIMAL);
    expect(config.spec.mode).toBe('per_student');
    expect(config.spec.network).toEqual({ internet: false, allowedEgress: [], allow: [] });
    expect(config.spec.lifetime).toEqual({ ttl: '2h', idleTimeout: '30m' });
    expect(config.spec.storage).toEqual({ size: '1Gi', mountPath: '/home/student' });
    expect(config.spec.containers[0]).toMatchObject({ terminal: true, ssh: false, ports: [] });
    expect(config.spec.containers[0].resources.limits.memory).toBe('512Mi');
    expect(config.spec.recording).toBe(false);
  });

  it('accepts allow rules between existing containers and checks', () => {
    const config = parseLabConfig(TWO_CONTAINERS);
    expect(config.spec.network.allow).toEqual([{ from: 'client', to: 'web', ports: [80] }]);
    expect(config.spec.containers[1].ports).toEqual([{ name: 'http', containerPort: 80, protocol: 'TCP' }]);
    expect(config.spec.checks[0].command).toEqual(['curl', '-sf', 'http://web/']);
  });

  it('throws LAB_CONFIG_INVALID carrying every error in detail.errors', () => {
    const bad = MINIMAL.replace('name: shell-basics', 'name: Shell_Basics').replace('image: debian:12-slim', 'image: ""\n      colour: red');
    let caught: unknown;
    try {
      parseLabConfig(bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppError);
    const err = caught as AppError;
    expect(err.code).toBe('LAB_CONFIG_INVALID');
    expect(err.field).toBe('metadata.name');
    expect(err.message).toMatch(/^lab config is invalid: metadata\.name: expected a DNS label.*\(and 2 more\)$/);
    const errors = (err.detail as { errors: LabConfigError[] }).errors;
    expect(errors.map((e) => e.path).sort()).toEqual(['metadata.name', 'spec.containers[0].colour', 'spec.containers[0].image']);
  });
});

describe('lab config bad input', () => {
  it('reports malformed YAML as one error with line and column', () => {
    const errors = errorsOf('apiVersion: autolabs.io/v1\nkind: Lab\nmetadata: { name: x\nspec: {}\n');
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe('');
    expect(errors[0].line).toBeGreaterThanOrEqual(3);
    expect(errors[0].message).toMatch(/^YAML syntax error at line \d+, column \d+: /);
  });

  it('reports duplicate YAML keys as a syntax error', () => {
    const errors = errorsOf(`${MINIMAL}kind: Lab\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain('Map keys must be unique');
  });

  it('refuses an alias-expansion bomb instead of exhausting memory', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g']]) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    expect(errorsOf(levels.join('\n'))).toEqual([{ path: '', message: 'the file expands too many YAML aliases; write the values out instead' }]);
  });

  it('reports an empty file without crashing', () => {
    expect(errorsOf('')[0].message).toMatch(/empty/);
    expect(errorsOf('# only a comment\n')[0].message).toMatch(/empty/);
  });

  it('reports a document that is not a mapping', () => {
    expect(errorsOf('- a\n- b\n')).toEqual([{ path: '', message: 'expected a mapping, got a list', line: 1, column: 1 }]);
  });

  it('rejects unknown keys with their own path and the line of the key', () => {
    const errors = errorsOf(MINIMAL.replace('      terminal: true', '      terminal: true\n      memory: 1Gi'));
    expect(errors).toEqual([{ path: 'spec.containers[0].memory', message: 'unknown key', line: 11, column: 7 }]);
  });

  it('rejects a bad memory quantity with the example from the docs', () => {
    const bad = TWO_CONTAINERS.replace('memory: 256Mi', 'memory: 256MB');
    expect(paths(bad)).toEqual({ 'spec.containers[0].resources.limits.memory': 'expected a quantity such as 512Mi' });
  });

  it('rejects a bad CPU quantity and a request above its limit', () => {
    expect(paths(TWO_CONTAINERS.replace('cpu: 100m', 'cpu: 1.5 cores'))).toEqual({
      'spec.containers[0].resources.requests.cpu': 'expected a CPU quantity such as 500m or 1',
    });
    expect(paths(TWO_CONTAINERS.replace('cpu: 100m', 'cpu: "2"'))).toEqual({
      'spec.containers[0].resources.requests.cpu': 'request 2 exceeds limit 1',
    });
  });

  it('rejects bad durations', () => {
    const bad = MINIMAL + '  lifetime: { ttl: 2 hours, idleTimeout: "30" }\n';
    expect(paths(bad)).toEqual({
      'spec.lifetime.ttl': 'expected a duration such as 30m or 2h',
      'spec.lifetime.idleTimeout': 'expected a duration such as 30m or 2h',
    });
  });

  it('rejects two terminal containers, and none', () => {
    const two = TWO_CONTAINERS.replace('ports: [{ name: http, containerPort: 80 }]', 'terminal: true');
    expect(paths(two)).toEqual({ 'spec.containers': 'expected exactly one container with terminal: true, found 2' });
    const none = MINIMAL.replace('      terminal: true\n', '');
    expect(paths(none)).toEqual({ 'spec.containers': 'expected exactly one container with terminal: true, found 0' });
  });

  it('accepts terminal.backend ssh when the terminal container runs sshd, and refuses it otherwise, naming the container', () => {
    const withSsh = MINIMAL.replace('      terminal: true\n', '      terminal: true\n      ssh: true\n') + '  terminal: { backend: ssh }\n';
    expect(parseLabConfig(withSsh).spec.terminal).toEqual({ backend: 'ssh' });
    expect(paths(MINIMAL + '  terminal: { backend: ssh }\n')).toEqual({
      'spec.terminal.backend': 'backend ssh needs an sshd in the terminal container: set ssh: true on container "shell"',
    });
    expect(Object.keys(paths(MINIMAL + '  terminal: { backend: telnet }\n'))).toEqual(['spec.terminal.backend']);
  });

  it('keeps a check\'s hint for the student, and refuses an empty or overlong one on its field', () => {
    const withHint = (hint: string) => TWO_CONTAINERS.replace('      expect: { exitCode: 0 }\n', `      expect: { exitCode: 0 }\n      hint: ${JSON.stringify(hint)}\n`);
    expect(parseLabConfig(withHint('Is nginx running? Try `curl -v http://web/`.')).spec.checks[0].hint).toBe('Is nginx running? Try `curl -v http://web/`.');
    expect(parseLabConfig(TWO_CONTAINERS).spec.checks[0].hint).toBeUndefined();
    expect(paths(withHint(''))).toEqual({ 'spec.checks[0].hint': 'expected a hint, or leave the key out' });
    expect(Object.keys(paths(withHint('x'.repeat(2001))))).toEqual(['spec.checks[0].hint']);
  });

  it('rejects allow rules and checks naming containers that do not exist', () => {
    const bad = TWO_CONTAINERS.replace('{ from: client, to: web, ports: [80] }', '{ from: client, to: database }').replace(
      'command: [curl',
      'container: db\n      command: [curl',
    );
    expect(paths(bad)).toEqual({
      'spec.network.allow[0].to': 'no container named "database"',
      'spec.checks[0].container': 'no container named "db"',
    });
  });

  it('refuses two containers on one port, since a lab\'s containers share one network; ssh: true takes TCP 22', () => {
    const both80 = TWO_CONTAINERS.replace('      terminal: true\n', '      terminal: true\n      ports: [{ containerPort: 80 }, { containerPort: 80, protocol: UDP }]\n');
    expect(paths(both80)).toEqual({ 'spec.containers[1].ports[0].containerPort': 'port 80/TCP is already taken by container "client": a lab\'s containers share one network' });
    const twoSshd = TWO_CONTAINERS.replace('      terminal: true\n', '      terminal: true\n      ssh: true\n').replace('      ports: [{ name: http, containerPort: 80 }]\n', '      ports: [{ name: http, containerPort: 80 }]\n      ssh: true\n');
    expect(paths(twoSshd)).toEqual({ 'spec.containers[1].ssh': 'port 22/TCP is already taken by container "client": a lab\'s containers share one network (ssh: true takes TCP 22)' });
    // One container may name its own sshd's port, and other protocols on the same number are apart.
    const ownPort = TWO_CONTAINERS.replace('      terminal: true\n', '      terminal: true\n      ssh: true\n      ports: [{ name: ssh, containerPort: 22 }, { containerPort: 80, protocol: UDP }]\n');
    expect(parseLabConfig(ownPort).spec.containers[0].ports).toHaveLength(2);
  });

  it('rejects duplicate container names', () => {
    const bad = TWO_CONTAINERS.replace('name: web\n', 'name: client\n');
    expect(paths(bad)).toEqual({
      'spec.containers[1].name': 'duplicate container name "client"',
      'spec.network.allow[0].to': 'no container named "web"',
    });
  });

  it('rejects bad environment variable names in a container', () => {
    const bad = MINIMAL.replace('      terminal: true\n', '      terminal: true\n      env: { "1BAD": x, GOOD_NAME: y }\n');
    expect(paths(bad)).toEqual({ 'spec.containers[0].env.1BAD': 'expected a variable name such as DB_HOST' });
  });

  it('refuses loader and interpreter variables that would change what a privileged program loads', () => {
    const bad = MINIMAL.replace('      terminal: true\n', '      terminal: true\n      env: { LD_PRELOAD: /home/student/x.so, GLIBC_TUNABLES: x, BASH_ENV: /tmp/rc, PYTHONPATH: /tmp, DB_HOST: db }\n');
    const errors = paths(bad);
    expect(Object.keys(errors)).toEqual([
      'spec.containers[0].env.LD_PRELOAD',
      'spec.containers[0].env.GLIBC_TUNABLES',
      'spec.containers[0].env.BASH_ENV',
      'spec.containers[0].env.PYTHONPATH',
    ]);
    expect(errors['spec.containers[0].env.LD_PRELOAD']).toBe('LD_PRELOAD changes what programs load or run before their own code; labs may not set it');
    let e: AppError | undefined;
    try {
      parseLabConfig(bad);
    } catch (err) {
      e = err as AppError;
    }
    expect({ code: e?.code, field: e?.field }).toEqual({ code: 'LAB_CONFIG_INVALID', field: 'spec.containers[0].env.LD_PRELOAD' });
  });

  it('keeps the storage out of system directories and refuses paths that are not plain', () => {
    for (const mountPath of ['/usr/bin', '/etc', '/lib', '/proc/self', '/tmp']) {
      expect(paths(MINIMAL + `  storage: { size: 1Gi, mountPath: "${mountPath}" }\n`)['spec.storage.mountPath']).toMatch(/system directories/);
    }
    for (const mountPath of ['/', '/home/../usr', '/home//student', 'home/student', '/home/student/', '/home/a b']) {
      expect(paths(MINIMAL + `  storage: { size: 1Gi, mountPath: "${mountPath}" }\n`)['spec.storage.mountPath']).toMatch(/plain names/);
    }
    for (const mountPath of ['/home/student', '/srv/lab-data', '/root', '/workspace/project.v2']) {
      expect(validateLabConfig(MINIMAL + `  storage: { size: 1Gi, mountPath: "${mountPath}" }\n`).ok).toBe(true);
    }
  });

  it('refuses NUL characters in commands, arguments and environment values', () => {
    const bad = MINIMAL.replace('      terminal: true\n', '      terminal: true\n      command: ["sh\\0"]\n      env: { A: "x\\0y" }\n');
    expect(paths(bad)).toEqual({ 'spec.containers[0].command[0]': 'expected text without NUL characters', 'spec.containers[0].env.A': 'expected text without NUL characters' });
  });

  it('rejects wrong types, enum values and missing required fields', () => {
    const bad = `apiVersion: autolabs.io/v2
kind: Lab
metadata: { name: x }
spec:
  mode: per_class
  recording: "yes"
  containers:
    - name: shell
      terminal: true
      ports: [{ containerPort: 0 }]
`;
    expect(paths(bad)).toEqual({
      apiVersion: 'expected autolabs.io/v1',
      'metadata.title': 'required',
      'spec.mode': 'expected one of "per_student", "per_group", "shared"',
      'spec.recording': 'expected a boolean, got string',
      'spec.containers[0].image': 'required',
      'spec.containers[0].ports[0].containerPort': 'expected at least 1',
    });
  });

  it('rejects egress rules that give both or neither of cidr and host', () => {
    const bad = MINIMAL + '  network:\n    allowedEgress:\n      - { cidr: 10.0.0.0/8, host: example.org }\n      - { ports: [443] }\n      - { cidr: 10.0.0.0 }\n';
    expect(paths(bad)).toEqual({
      'spec.network.allowedEgress[0]': 'expected exactly one of cidr or host',
      'spec.network.allowedEgress[1]': 'expected exactly one of cidr or host',
      'spec.network.allowedEgress[2].cidr': 'expected a CIDR such as 10.0.0.0/8',
    });
  });
});
