/**
 * The SSH front door of the standalone gateway process (gateway/src/server.ts), as production runs it
 * apart from the API: it gets only the ticket public key, its host key (GATEWAY_SSH_HOST_KEY), the API's
 * internal URL and the shared secret, and asks the API (a real app on Postgres, listening on a port) who
 * a key belongs to. OpenSSH lands in the student's running local lab; with the wrong secret the API does
 * not answer and the client is told sign-in is unavailable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { exportSPKI } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '@autolabs/server/app';
import { freePort } from '@autolabs/common/testing/free-port';
import { parseSshPublicKey } from '@autolabs/server/ssh/ssh-public-key';
import { createHarness, seedWorld, type Harness } from './api-harness';
import { runSsh, type SshTarget } from '../ssh/ssh-run';
import { generateKey } from '../ssh/ssh-tools';
import { generateEd25519OpenSsh } from '@autolabs/common/platform/ed25519-openssh';

const SECRET = randomBytes(32).toString('base64url');
const hostKey = generateEd25519OpenSsh();
const key = generateKey('ed25519');
let h: Harness;
let api: FastifyInstance;
let apiUrl: string;
let child: ChildProcess | null = null;

beforeAll(async () => {
  h = await createHarness({ env: { INTERNAL_API_SECRET: SECRET } });
  await seedWorld(h);
  const parsed = parseSshPublicKey(key.publicLine);
  await h.services.db.prisma.sshPublicKey.create({ data: { userId: h.users.student.id, name: 'k', keyType: parsed.type, publicKey: parsed.line, fingerprint: parsed.fingerprint } });
  api = await buildApp(h.services);
  apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

async function startGateway(secret: string): Promise<SshTarget> {
  const port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/server.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: os.homedir(),
      AUTOLABS_DATA_DIR: h.services.env.AUTOLABS_DATA_DIR,
      HOST: '127.0.0.1',
      GATEWAY_PORT: '0',
      TICKET_PUBLIC_KEY: await exportSPKI(h.services.ticketKeys.publicKey),
      GATEWAY_SSH_PORT: String(port),
      GATEWAY_SSH_HOST_KEY: hostKey.private,
      API_INTERNAL_URL: apiUrl,
      INTERNAL_API_SECRET: secret,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not open its SSH port:\n${output}`)), 30_000);
    child?.stdout?.on('data', () => {
      if (output.includes('ssh front door listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child?.once('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
  });
  return { port, hostKey: hostKey.public.split(' ').slice(0, 2).join(' ') };
}

describe('SSH through the standalone gateway', () => {
  it('asks the API over its internal URL and lands the key\'s owner in their lab', async () => {
    const target = await startGateway(SECRET);
    const r = await runSsh(target, key.file, 'student', 'echo "$(hostname) $((6*7))"; exit 3');
    expect(r).toMatchObject({ code: 3, stdout: 'api-test-lab 42\n' });
  }, 90_000);

  it('tells the client sign-in is unavailable when its secret is not the API\'s, and lets nobody in', async () => {
    const target = await startGateway(`${SECRET}-wrong`);
    const r = await runSsh(target, key.file, 'student', 'true');
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/the sign-in service cannot be reached/);
  }, 90_000);
});
