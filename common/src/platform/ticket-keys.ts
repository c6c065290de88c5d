/**
 * The Ed25519 key pair that signs terminal tickets. Production passes PEMs in TICKET_PRIVATE_KEY (API)
 * and TICKET_PUBLIC_KEY (gateways, which never get the private key). An embedded install generates a pair
 * once into `<dataDir>/keys/` (directory 0700, files 0600) and reuses it, so tickets survive a restart.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { importPKCS8, importSPKI, type CryptoKey } from 'jose';
import { AppError } from '../errors/app-error';

export interface TicketKeys {
  privateKey: CryptoKey | null;
  publicKey: CryptoKey;
}

const PRIVATE_FILE = 'ticket-ed25519.key.pem';
const PUBLIC_FILE = 'ticket-ed25519.pub.pem';

export async function loadTicketKeys(opts: { privatePem?: string; publicPem?: string; dataDir: string }): Promise<TicketKeys> {
  if (opts.privatePem || opts.publicPem) return importPems(opts.privatePem, opts.publicPem);
  const pems = await readOrCreateKeyFiles(path.join(opts.dataDir, 'keys'));
  return importPems(pems.privatePem, pems.publicPem);
}

async function importPems(privatePem: string | undefined, publicPem: string | undefined): Promise<TicketKeys> {
  let publicText = publicPem;
  if (privatePem && !publicText) {
    publicText = derivePublicPem(privatePem);
  }
  try {
    const privateKey = privatePem ? await importPKCS8(unescapeNewlines(privatePem), 'EdDSA') : null;
    const publicKey = await importSPKI(unescapeNewlines(publicText as string), 'EdDSA');
    return { privateKey, publicKey };
  } catch (e) {
    throw new AppError('BAD_INPUT', 'TICKET_PRIVATE_KEY / TICKET_PUBLIC_KEY: expected an Ed25519 key in PEM (PKCS#8 / SPKI)', {
      field: privatePem ? 'TICKET_PRIVATE_KEY' : 'TICKET_PUBLIC_KEY',
      cause: e,
    });
  }
}

function derivePublicPem(privatePem: string): string {
  try {
    return createPublicKey(createPrivateKey(unescapeNewlines(privatePem))).export({ type: 'spki', format: 'pem' }).toString();
  } catch (e) {
    throw new AppError('BAD_INPUT', 'TICKET_PRIVATE_KEY: expected an Ed25519 private key in PEM (PKCS#8)', { field: 'TICKET_PRIVATE_KEY', cause: e });
  }
}

/** Environment variables often carry PEMs with literal "\n"; accept both forms. */
function unescapeNewlines(pem: string): string {
  return pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem;
}

/**
 * The private key file is the source of truth (created with O_EXCL, so two processes starting at once
 * agree on one pair); the public file is written for operators who copy it to standalone gateways.
 */
async function readOrCreateKeyFiles(dir: string): Promise<{ privatePem: string; publicPem: string }> {
  const privatePath = path.join(dir, PRIVATE_FILE);
  try {
    const privatePem = await fs.readFile(privatePath, 'utf8');
    return { privatePem, publicPem: derivePublicPem(privatePem) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  try {
    await fs.writeFile(privatePath, privatePem, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readOrCreateKeyFiles(dir);
    throw e;
  }
  await fs.writeFile(path.join(dir, PUBLIC_FILE), publicPem, { mode: 0o600 });
  return { privatePem, publicPem };
}
