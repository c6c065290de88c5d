import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mintTicket, verifyTicket, type TicketClaims } from '../tickets/ticket';
import { loadTicketKeys } from './ticket-keys';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'autolabs-keys-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

const claims: TicketClaims = {
  sub: 'u1',
  name: 'Ada',
  role: 'student',
  sid: 's1',
  labInstanceId: 'i1',
  courseId: null,
  ownerId: 'u1',
  mode: 'owner',
  recording: false,
};

describe('loadTicketKeys', () => {
  it('embedded: generates a pair once into keys/ with owner-only permissions and reuses it after a restart', async () => {
    const dataDir = await tempDir();
    const first = await loadTicketKeys({ dataDir });
    const ticket = await mintTicket(first.privateKey as NonNullable<typeof first.privateKey>, claims, 60);

    const second = await loadTicketKeys({ dataDir });
    await expect(verifyTicket(second.publicKey, ticket)).resolves.toMatchObject({ sub: 'u1', sid: 's1' });
    const files = await fs.readdir(path.join(dataDir, 'keys'));
    expect(files.sort()).toEqual(['ticket-ed25519.key.pem', 'ticket-ed25519.pub.pem']);
    for (const f of files) expect((await fs.stat(path.join(dataDir, 'keys', f))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.join(dataDir, 'keys'))).mode & 0o777).toBe(0o700);
  });

  it('two processes starting at once end up with the same pair', async () => {
    const dataDir = await tempDir();
    const [a, b] = await Promise.all([loadTicketKeys({ dataDir }), loadTicketKeys({ dataDir })]);
    const ticket = await mintTicket(a.privateKey as NonNullable<typeof a.privateKey>, claims, 60);
    await expect(verifyTicket(b.publicKey, ticket)).resolves.toMatchObject({ sub: 'u1' });
  });

  it('production: a gateway given only the public PEM verifies tickets signed with the private PEM and holds no private key', async () => {
    const pair = generateKeyPairSync('ed25519');
    const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const api = await loadTicketKeys({ privatePem, dataDir: await tempDir() });
    const gateway = await loadTicketKeys({ publicPem: publicPem.replace(/\n/g, '\\n'), dataDir: await tempDir() });
    expect(gateway.privateKey).toBeNull();
    const ticket = await mintTicket(api.privateKey as NonNullable<typeof api.privateKey>, claims, 60);
    await expect(verifyTicket(gateway.publicKey, ticket)).resolves.toMatchObject({ sid: 's1' });
  });

  it('rejects a key that is not Ed25519 PEM with BAD_INPUT naming the variable', async () => {
    await expect(loadTicketKeys({ publicPem: 'not a key', dataDir: await tempDir() })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      field: 'TICKET_PUBLIC_KEY',
    });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(loadTicketKeys({ privatePem: rsa, dataDir: await tempDir() })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      field: 'TICKET_PRIVATE_KEY',
    });
  });
});
