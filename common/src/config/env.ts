/**
 * Process configuration, validated once at start-up. Every backing service left unset falls back to its
 * embedded implementation (see platform/services.ts). A bad value stops the process with one line naming
 * the variable and what is expected.
 */
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

// Messages complete the sentence "<VARIABLE>: expected ...", so the one line a bad value prints says
// what would have been accepted.
const port = z.coerce
  .number({ error: 'expected a port number (0-65535)' })
  .int({ error: 'expected a port number (0-65535)' })
  .min(0, { error: 'expected a port number (0-65535)' })
  .max(65535, { error: 'expected a port number (0-65535)' });
const url = (protocols: string[]) =>
  z
    .string()
    .refine((v) => URL.canParse(v) && protocols.includes(new URL(v).protocol), {
      error: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    });
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const positive = (what: string) => z.coerce.number({ error: `expected ${what}` }).positive({ error: `expected ${what}` });
const wholeNumber = (min: number, max: number, what: string) =>
  z.coerce
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .min(min, { error: `expected ${what}` })
    .max(max, { error: `expected ${what}` });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.join(', ')}` });
const origins = z.string().refine(
  (v) =>
    v.split(',').every((o) => {
      const trimmed = o.trim().replace(/\/+$/, '');
      if (trimmed === '*') return true;
      return URL.canParse(trimmed) && ['http:', 'https:'].includes(new URL(trimmed).protocol) && new URL(trimmed).origin === trimmed;
    }),
  { error: 'expected * or comma-separated origins such as https://labs.example.edu,http://localhost:5173' },
);

// Who may tell us the client's address in X-Forwarded-For: the proxies' addresses (IPs, CIDRs, or
// proxy-addr's names loopback, linklocal, uniquelocal). Anyone else's header is ignored, so a client cannot
// choose the address it is counted under. No hop count: it would believe whichever peer connects, so a
// client reaching the API directly could pick its address (Fastify 5 ignores a hop count for that reason).
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const isProxy = (entry: string) => {
  if (PROXY_NAMES.includes(entry)) return true;
  const [ip, bits, ...rest] = entry.split('/');
  const version = isIP(ip);
  if (version === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
};
const trustedProxies = z
  .string()
  .refine((v) => v.split(',').every((entry) => isProxy(entry.trim())), {
    error: 'expected comma-separated proxy addresses or CIDRs such as 127.0.0.1,10.0.0.0/8 (no hop count)',
  })
  .transform((v) => v.split(',').map((entry) => entry.trim()));

const bucket = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'expected a bucket name: 3-63 lowercase letters, digits, "." or "-"' });

export const envSchema = z.object({
  NODE_ENV: oneOf(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // auto: readable lines on a terminal (npm start), JSON lines otherwise (containers, log collectors).
  LOG_FORMAT: oneOf(['auto', 'json', 'pretty']).default('auto'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  GATEWAY_PORT: port.default(3001),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  GATEWAY_PUBLIC_URL: url(['http:', 'https:', 'ws:', 'wss:']).optional(),
  // Where the other gateway replicas reach this one (in Kubernetes, the pod IP): they forward it
  // connections for the sessions it holds.
  GATEWAY_INTERNAL_URL: url(['http:', 'https:', 'ws:', 'wss:']).optional(),
  ALLOWED_ORIGINS: origins.optional(),
  TRUST_PROXY: trustedProxies.optional(),
  // Bearer token a Prometheus scrape of /metrics must present; unset: /metrics answers 404.
  METRICS_TOKEN: z.string().min(16, { error: 'expected a token of at least 16 characters' }).optional(),
  // The worker process serves /healthz and /metrics here (it has no other port); only with METRICS_TOKEN set.
  WORKER_METRICS_PORT: port.default(3002),
  AUTOLABS_DATA_DIR: z.string().min(1).default(path.join(os.homedir(), '.autolabs')),

  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  AMQP_URL: url(['amqp:', 'amqps:']).optional(),
  // Prepended to every queue name, so installations (or test runs) can share one broker without sharing jobs.
  AMQP_QUEUE_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, { error: 'expected lowercase letters, digits, ".", "_" or "-" (up to 64)' }).optional(),

  S3_ENDPOINT: url(['http:', 'https:']).optional(),
  S3_ACCESS_KEY: z.string().min(1).optional(),
  S3_SECRET_KEY: z.string().min(1).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET_CONFIGS: bucket.default('lab-configs'),
  S3_BUCKET_VOLUMES: bucket.default('lab-volumes'),
  S3_BUCKET_RECORDINGS: bucket.default('recordings'),

  OIDC_ISSUER: url(['http:', 'https:']).optional(),
  OIDC_AUDIENCE: z.string().min(1).optional(),
  OIDC_ROLE_CLAIM: z.string().min(1).default('urn:zitadel:iam:org:project:roles'),
  // Browser sign-in through the issuer (auth/oidc/): authorization code flow with PKCE, run by the API. Without a
  // client secret the client is public (PKCE only). The callback is OIDC_REDIRECT_URL, else PUBLIC_URL's.
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_REDIRECT_URL: url(['http:', 'https:']).optional(),
  OIDC_SCOPES: z
    .string()
    .regex(/^([!#-[\]-~]+ )*[!#-[\]-~]+$/, { error: 'expected space-separated scopes such as openid profile email' })
    .refine((v) => v.split(' ').includes('openid'), { error: 'expected a scope list that includes openid' })
    .default('openid profile email'),
  // What the login page's button says: "Sign in with <name>". Unset: the issuer's host name.
  OIDC_PROVIDER_NAME: z.string().trim().min(1).max(60, { error: 'expected a name of at most 60 characters' }).optional(),
  // Built-in accounts (username + password) may sign in: `off` leaves only the OIDC provider (web and SSH passwords).
  AUTH_BUILTIN: oneOf(['on', 'off']).default('on'),

  SESSION_COOKIE_SECURE: bool.optional(),
  SESSION_TTL_HOURS: positive('a positive number of hours').default(24),
  TICKET_TTL_SECONDS: wholeNumber(5, 600, 'a whole number of seconds from 5 to 600').default(60),
  TICKET_PRIVATE_KEY: z.string().min(1).optional(),
  TICKET_PUBLIC_KEY: z.string().min(1).optional(),

  LAB_RUNTIME: oneOf(['local', 'kubernetes']).default('local'),
  // Local runtime as root: run each container from its image (`images`), or let the host's files stand in
  // for the terminal container's image (`host`: development and platform tests; labs do not run as written).
  LOCAL_LAB_IMAGES: oneOf(['images', 'host']).default('images'),
  // Where the lab images are pulled from: the registry `npm run images` pushed to (autolabs/* is read there).
  LAB_IMAGE_REGISTRY: z.string().regex(/^[a-z0-9.-]+(:\d+)?$/, { error: 'expected host[:port] such as 127.0.0.1:5000' }).optional(),
  LAB_IMAGE_REGISTRY_INSECURE: bool.optional(),
  // More prefix rewrites, `from=to` comma-separated, e.g. docker.io/library/=mirror.example:5000/library/.
  LAB_IMAGE_REWRITES: z.string().regex(/^[^=,\s]+=[^=,\s]+(,[^=,\s]+=[^=,\s]+)*$/, { error: 'expected from=to[,from=to...]' }).optional(),
  LAB_IMAGE_AUTH_FILE: z.string().min(1).optional(),
  // Pod mode: an image no instance runs from is removed this long after its last start (0: at the next prune).
  LOCAL_IMAGE_KEEP_UNUSED_HOURS: wholeNumber(0, 8760, 'a whole number of hours from 0 to 8760').default(24),
  KUBECONFIG: z.string().min(1).optional(),
  // Client-side limit of the Kubernetes runtime's API requests per process (client-go's QPS and burst).
  KUBE_API_QPS: positive('a positive number of requests per second').default(50),
  KUBE_API_BURST: wholeNumber(1, 10_000, 'a whole number from 1 to 10000').default(100),
  // Kubernetes runtime: the StorageClass of lab PVCs (default: the cluster's default class), and where lab
  // pods may run: a node selector `key=value[,key=value]` and tolerations `key[=value]:Effect[,...]`.
  // Kubernetes runtime: the host name students use for a lab's NodePort SSH (default: the IP of the pod's node).
  LAB_SSH_HOST: z.string().regex(/^[A-Za-z0-9.:-]+$/, { error: 'expected a host name or IP address' }).optional(),
  LAB_STORAGE_CLASS: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: 'expected a StorageClass name such as local-path' }).optional(),
  LAB_NODE_SELECTOR: z.string().regex(/^[\w./-]+=[\w.-]*(,[\w./-]+=[\w.-]*)*$/, { error: 'expected key=value[,key=value...]' }).optional(),
  LAB_TOLERATIONS: z
    .string()
    .regex(/^[\w./-]+(=[\w.-]*)?:(NoSchedule|PreferNoSchedule|NoExecute)(,[\w./-]+(=[\w.-]*)?:(NoSchedule|PreferNoSchedule|NoExecute))*$/, {
      error: 'expected key[=value]:NoSchedule|PreferNoSchedule|NoExecute[,...]',
    })
    .optional(),
  // The image of the short-lived pod that archives and restores PVCs (GNU tar, find, bash), rewritten as lab images are.
  LAB_STORAGE_IMAGE: z.string().regex(/^[a-z0-9][\w.:/@-]*$/, { error: 'expected an image reference such as autolabs/base:bookworm' }).default('autolabs/base:bookworm'),
  LAB_NAMESPACE: z
    .string()
    .max(63, { error: 'expected a DNS label such as labs' })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'expected a DNS label such as labs' })
    .default('labs'),

  // How the gateway reaches a lab's terminal when the lab does not say (spec.terminal.backend): exec (a local
  // sandbox, a Kubernetes exec) or ssh (the terminal container's sshd, with the platform key below).
  TERMINAL_BACKEND: oneOf(['exec', 'ssh']).default('exec'),
  // The platform key labs trust for the ssh terminal backend: its private half for gateways (OpenSSH text),
  // its public line for the API and workers, which start labs. Unset: generated once into
  // <AUTOLABS_DATA_DIR>/keys/ (platform/lab-ssh-key.ts).
  LAB_SSH_PRIVATE_KEY: z.string().min(1).optional(),
  LAB_SSH_PUBLIC_KEY: z.string().trim().regex(/^(ssh-ed25519|ecdsa-sha2-nistp\d+|ssh-rsa) [A-Za-z0-9+/=]+( .*)?$/, { error: 'expected a public key line such as ssh-ed25519 AAAA...' }).optional(),
  // Workers: a stopped (or failed) lab keeps its storage this long, then is archived to S3_BUCKET_VOLUMES by a
  // periodic job that looks this often.
  ARCHIVE_AFTER_DAYS: positive('a positive number of days').default(7),
  ARCHIVE_INTERVAL_MINUTES: positive('a positive number of minutes').default(5),
  // Workers: a database backup into BACKUP_BUCKET of the object store once the newest there is this old (0: none),
  // keeping the newest BACKUP_KEEP (backups/, docs/operations.md).
  BACKUP_BUCKET: bucket.default('backups'),
  BACKUP_INTERVAL_HOURS: z.coerce.number({ error: 'expected a number of hours (0 turns backups off)' }).min(0, { error: 'expected a number of hours (0 turns backups off)' }).default(24),
  BACKUP_KEEP: wholeNumber(1, 10_000, 'a whole number of backups from 1 to 10000').default(7),
  SESSION_GRACE_SECONDS: wholeNumber(0, 86_400, 'a whole number of seconds from 0 to 86400').default(900),
  // Terminal sockets one client address may hold before their tickets are accepted (gateway/src/auth/pending-limit.ts).
  GATEWAY_MAX_PENDING_PER_CLIENT: wholeNumber(1, 100_000, 'a whole number from 1 to 100000').default(32),
  GATEWAY_WALL_INTERVAL_MS: wholeNumber(250, 60_000, 'a whole number of milliseconds from 250 to 60000').default(2000),
  // The gateway's SSH front door (gateway/src/ssh/): one port for every student's labs; 0 turns it off.
  GATEWAY_SSH_PORT: port.default(2222),
  // Its host key (gateways; OpenSSH private key text) and that key's public line (the API shows it for
  // known_hosts). Unset: generated once into <AUTOLABS_DATA_DIR>/keys/ (platform/ssh-host-key.ts).
  GATEWAY_SSH_HOST_KEY: z.string().min(1).optional(),
  GATEWAY_SSH_HOST_PUBLIC_KEY: z.string().trim().regex(/^(ssh-ed25519|ecdsa-sha2-nistp\d+|ssh-rsa) [A-Za-z0-9+/=]+( .*)?$/, { error: 'expected a public key line such as ssh-ed25519 AAAA...' }).optional(),
  // Shared by the API and the gateways: the gateway's calls to /internal/ssh/* carry it (ssh/internal-auth.ts).
  // Unset: generated once into <AUTOLABS_DATA_DIR>/keys/ (embedded mode, where both read the same file).
  INTERNAL_API_SECRET: z.string().min(32, { error: 'expected a secret of at least 32 characters' }).optional(),
  // Where a standalone gateway reaches the API's internal routes (SSH logins), e.g. http://autolabs-api:3000.
  API_INTERNAL_URL: url(['http:', 'https:']).optional(),
  MAX_UPLOAD_BYTES: wholeNumber(1, 1024 ** 3, 'a whole number of bytes from 1 to 1073741824').default(1024 * 1024),
});

export type Env = z.infer<typeof envSchema>;

export class ConfigError extends Error {}

/** Parse and validate; throws ConfigError whose message is one line per bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (parsed.success) return refine(parsed.data);
  // One message per variable (the first problem found), never the value itself: it may be a secret.
  const byVariable = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0]);
    if (!byVariable.has(name)) byVariable.set(name, `${name}: ${issue.message}`);
  }
  throw new ConfigError(`invalid configuration: ${[...byVariable.values()].join('; ')}`);
}

function refine(env: Env): Env {
  if (env.S3_ENDPOINT && (!env.S3_ACCESS_KEY || !env.S3_SECRET_KEY)) {
    const missing = env.S3_ACCESS_KEY ? 'S3_SECRET_KEY' : 'S3_ACCESS_KEY';
    throw new ConfigError(`invalid configuration: ${missing}: required when S3_ENDPOINT is set`);
  }
  // Bearer tokens need an audience; browser sign-in alone does not (its ID tokens are checked against the client id).
  if (env.OIDC_ISSUER && !env.OIDC_AUDIENCE && !env.OIDC_CLIENT_ID) {
    throw new ConfigError('invalid configuration: OIDC_AUDIENCE: required when OIDC_ISSUER is set');
  }
  const oidcNeeds: [boolean, string][] = [
    [!!env.OIDC_CLIENT_ID && !env.OIDC_ISSUER, 'OIDC_ISSUER: required when OIDC_CLIENT_ID is set'],
    [!!env.OIDC_CLIENT_SECRET && !env.OIDC_CLIENT_ID, 'OIDC_CLIENT_ID: required when OIDC_CLIENT_SECRET is set'],
    [!!env.OIDC_CLIENT_ID && !env.OIDC_REDIRECT_URL && !env.PUBLIC_URL, 'OIDC_REDIRECT_URL: required when OIDC_CLIENT_ID is set and PUBLIC_URL is not'],
    [env.AUTH_BUILTIN === 'off' && !env.OIDC_CLIENT_ID, 'OIDC_CLIENT_ID: required when AUTH_BUILTIN=off (nobody could sign in)'],
  ];
  for (const [missing, message] of oidcNeeds) if (missing) throw new ConfigError(`invalid configuration: ${message}`);
  if (env.LAB_RUNTIME === 'kubernetes' && !env.KUBECONFIG && !process.env.KUBERNETES_SERVICE_HOST) {
    throw new ConfigError('invalid configuration: KUBECONFIG: required when LAB_RUNTIME=kubernetes outside a cluster');
  }
  return env;
}
