/**
 * The lab config format (apiVersion autolabs.io/v1, kind Lab): what a teacher writes in YAML. Every object
 * is strict, so a misspelt key is reported with its path instead of being silently ignored. Quantities and
 * durations stay strings here (see quantity.ts) so the schema converts cleanly to JSON Schema for editors.
 * docs/lab-config.md documents every field; keep the two in step.
 */
import { z } from 'zod';
import { forbiddenEnvReason, mountPathProblem, NO_NUL, NUL_MESSAGE } from './lab-config-safety';
import { BYTES_QUANTITY, CPU_QUANTITY, DURATION, parseQuantity } from './quantity';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = z
  .string()
  .max(63, 'expected at most 63 characters')
  .regex(DNS_LABEL, 'expected a DNS label: lowercase letters, digits and "-", such as web-server');
const cpu = z.string().regex(CPU_QUANTITY, 'expected a CPU quantity such as 500m or 1');
const bytes = z.string().regex(BYTES_QUANTITY, 'expected a quantity such as 512Mi');
const duration = z.string().regex(DURATION, 'expected a duration such as 30m or 2h');
const portNumber = z.number().int('expected a whole number').min(1).max(65535);
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9*]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/;

const resourceAmounts = z.strictObject({ cpu, memory: bytes });
/** A command-line word or environment value: any text but NUL (it cannot pass through exec). */
const word = z.string().max(65_536).refine(NO_NUL, NUL_MESSAGE);

const envMap = z.record(z.string().regex(envName, 'expected a variable name such as DB_HOST'), word).superRefine((env, ctx) => {
  for (const name of Object.keys(env)) {
    const reason = forbiddenEnvReason(name);
    if (reason) ctx.addIssue({ code: 'custom', message: reason, path: [name] });
  }
});
const mountPath = z.string().superRefine((p, ctx) => {
  const problem = mountPathProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const DEFAULT_RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } };

export const containerSchema = z.strictObject({
  name: dnsLabel.describe('Container name, unique in the lab; other containers reach it by this host name.'),
  image: z.string().regex(/^[^\s]+$/, 'expected an image reference such as debian:12-slim').describe('Container image, e.g. autolabs/linux-basics:latest.'),
  command: z.array(word).min(1).optional().describe('Overrides the image entrypoint.'),
  args: z.array(word).optional().describe('Overrides the image command (arguments to the entrypoint).'),
  env: envMap.optional().describe('Environment variables, name to value (not the loader\'s LD_* and similar; see the docs).'),
  ports: z
    .array(
      z.strictObject({
        name: z.string().max(15, 'expected at most 15 characters').regex(DNS_LABEL, 'expected a port name such as http').optional(),
        containerPort: portNumber,
        protocol: z.enum(['TCP', 'UDP']).default('TCP'),
      }),
    )
    .default([])
    .describe('Ports this container serves to the other containers of the lab.'),
  resources: z
    .strictObject({ requests: resourceAmounts, limits: resourceAmounts })
    .default(DEFAULT_RESOURCES)
    .describe('CPU (500m, 1) and memory (512Mi, 1Gi) reserved (requests) and capped (limits).'),
  /** The container the student's terminal opens in; exactly one per lab. */
  terminal: z.boolean().default(false).describe('The browser terminal opens in this container; exactly one container sets it.'),
  /** Expose classic SSH into this container (in addition to the browser terminal). */
  ssh: z.boolean().default(false).describe('Also reachable over classic SSH with the student\'s keys.'),
});

const egressRule = z
  .strictObject({
    cidr: z.union([z.cidrv4(), z.cidrv6()], { error: 'expected a CIDR such as 10.0.0.0/8' }).optional(),
    host: z.string().regex(HOSTNAME, 'expected a host name such as deb.debian.org').optional(),
    ports: z.array(portNumber).optional(),
  })
  .superRefine((rule, ctx) => {
    if ((rule.cidr === undefined) === (rule.host === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of cidr or host', path: [] });
    }
  });

const allowRule = z.strictObject({
  from: dnsLabel,
  to: dnsLabel,
  ports: z.array(portNumber).optional(),
});

const networkSchema = z.strictObject({
  /** Unrestricted outbound internet access. Off by default: labs are isolated. */
  internet: z.boolean().default(false).describe('Unrestricted outbound internet access (off: the lab is isolated).'),
  allowedEgress: z.array(egressRule).default([]).describe('Outbound destinations allowed when internet is off: a cidr or a host, optionally limited to ports.'),
  /** Traffic between the lab's own containers; anything not listed is denied. */
  allow: z.array(allowRule).default([]).describe('Traffic allowed between the lab\'s containers (from -> to, optionally on ports); all else is denied.'),
});

const checkSchema = z.strictObject({
  name: z.string().min(1, 'expected a name').max(100),
  container: dnsLabel.optional(),
  command: z.array(word).min(1, 'expected at least one word, such as [test, -f, /tmp/done]'),
  timeout: duration.optional(),
  expect: z
    .strictObject({
      exitCode: z.number().int().min(0).max(255).optional(),
      stdoutContains: z.string().optional(),
    })
    .optional(),
  hint: z
    .string()
    .min(1, 'expected a hint, or leave the key out')
    .max(2000)
    .optional()
    .describe('Shown to the student under this check when it fails: what to look at next (Markdown; HTML is shown as text).'),
});

const specSchema = z
  .strictObject({
    mode: z
      .enum(['per_student', 'per_group', 'shared'])
      .default('per_student')
      .describe('One instance per student, per student group, or one shared by the whole deployment.'),
    containers: z.array(containerSchema).min(1, 'expected at least one container'),
    network: networkSchema.default({ internet: false, allowedEgress: [], allow: [] }),
    /** The persistent volume mounted into the terminal container (archived when the lab ends). */
    storage: z
      .strictObject({ size: bytes, mountPath })
      .default({ size: '1Gi', mountPath: '/home/student' })
      .describe('Persistent volume mounted in the terminal container; archived when the instance is removed.'),
    lifetime: z
      .strictObject({ ttl: duration, idleTimeout: duration })
      .default({ ttl: '2h', idleTimeout: '30m' })
      .describe('ttl: stop the instance this long after it starts; idleTimeout: stop it after this long without terminal activity.'),
    recording: z.boolean().default(false).describe('Record terminal sessions (asciicast) for teachers to replay.'),
    /** How the gateway reaches the terminal; absent: the installation's TERMINAL_BACKEND. */
    terminal: z
      .strictObject({
        backend: z
          .enum(['exec', 'ssh'])
          .optional()
          .describe("exec: the runtime's own way in (a local sandbox, a Kubernetes exec); ssh: the gateway logs in to the terminal container's sshd (needs ssh: true there). Absent: the installation's TERMINAL_BACKEND."),
      })
      .optional()
      .describe('How the browser terminal reaches the terminal container.'),
    checks: z.array(checkSchema).default([]).describe('Commands run in the lab to grade it; each passes when its expectations hold.'),
  })
  .superRefine(checkCrossReferences);

function checkCrossReferences(spec: z.output<typeof specSchema>, ctx: z.RefinementCtx): void {
  const names = new Set<string>();
  spec.containers.forEach((c, i) => {
    if (names.has(c.name)) ctx.addIssue({ code: 'custom', message: `duplicate container name "${c.name}"`, path: ['containers', i, 'name'] });
    names.add(c.name);
  });
  const terminals = spec.containers.filter((c) => c.terminal).length;
  if (terminals !== 1) {
    ctx.addIssue({ code: 'custom', path: ['containers'], message: `expected exactly one container with terminal: true, found ${terminals}` });
  }
  const terminal = spec.containers.find((c) => c.terminal);
  if (spec.terminal?.backend === 'ssh' && terminal && !terminal.ssh) {
    ctx.addIssue({ code: 'custom', path: ['terminal', 'backend'], message: `backend ssh needs an sshd in the terminal container: set ssh: true on container "${terminal.name}"` });
  }
  spec.network.allow.forEach((rule, i) => {
    for (const end of ['from', 'to'] as const) {
      if (!names.has(rule[end])) {
        ctx.addIssue({ code: 'custom', path: ['network', 'allow', i, end], message: `no container named "${rule[end]}"` });
      }
    }
  });
  checkPortsApart(spec, ctx);
  const checkNames = new Set<string>();
  spec.checks.forEach((check, i) => {
    if (check.container !== undefined && !names.has(check.container)) {
      ctx.addIssue({ code: 'custom', path: ['checks', i, 'container'], message: `no container named "${check.container}"` });
    }
    if (checkNames.has(check.name)) ctx.addIssue({ code: 'custom', path: ['checks', i, 'name'], message: `duplicate check name "${check.name}"` });
    checkNames.add(check.name);
  });
  spec.containers.forEach((c, i) => {
    for (const kind of ['cpu', 'memory'] as const) {
      const req = quantityOrNaN(c.resources.requests[kind]);
      const lim = quantityOrNaN(c.resources.limits[kind]);
      if (req > lim) {
        ctx.addIssue({
          code: 'custom',
          path: ['containers', i, 'resources', 'requests', kind],
          message: `request ${c.resources.requests[kind]} exceeds limit ${c.resources.limits[kind]}`,
        });
      }
    }
  });
}

/**
 * A lab's containers share one network (a Pod; a local pod's namespace), so no two may listen on the same
 * port: the second one's server cannot bind and crash-loops. `ssh: true` takes TCP 22.
 */
function checkPortsApart(spec: z.output<typeof specSchema>, ctx: z.RefinementCtx): void {
  const owner = new Map<string, string>();
  spec.containers.forEach((c, i) => {
    const taken = [
      ...c.ports.map((p, j) => ({ key: `${p.containerPort}/${p.protocol}`, path: ['containers', i, 'ports', j, 'containerPort'] })),
      ...(c.ssh && !c.ports.some((p) => p.containerPort === 22 && p.protocol === 'TCP') ? [{ key: '22/TCP', path: ['containers', i, 'ssh'] }] : []),
    ];
    for (const { key, path } of taken) {
      const first = owner.get(key);
      if (first !== undefined && first !== c.name) {
        ctx.addIssue({ code: 'custom', path, message: `port ${key} is already taken by container "${first}": a lab's containers share one network${key === '22/TCP' ? ' (ssh: true takes TCP 22)' : ''}` });
      } else owner.set(key, c.name);
    }
  });
}

/** Refinements may see values whose own check already failed; those are reported there, not again here. */
function quantityOrNaN(q: string): number {
  try {
    return parseQuantity(q);
  } catch {
    return Number.NaN;
  }
}

export const labConfigSchema = z
  .strictObject({
    apiVersion: z.literal('autolabs.io/v1', { error: 'expected autolabs.io/v1' }),
    kind: z.literal('Lab', { error: 'expected Lab' }),
    metadata: z.strictObject({
      name: dnsLabel.describe('Stable lab name; uploading the same name again creates a new version.'),
      title: z.string().min(1, 'expected a title').max(200).describe('Shown to students and teachers.'),
      description: z.string().max(10_000).default('').describe('Instructions for the student (Markdown).'),
    }),
    spec: specSchema,
  })
  .describe('An AutoLabs lab: the containers a student gets, how they may talk, how long they live, and how the work is checked.');

/** A validated lab config with defaults filled in. */
export type LabConfig = z.output<typeof labConfigSchema>;
export type LabContainer = LabConfig['spec']['containers'][number];
export type LabCheck = LabConfig['spec']['checks'][number];
