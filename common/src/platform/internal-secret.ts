/**
 * The secret the gateway presents on the API's internal routes (`/internal/ssh/*`): a gateway may ask
 * which user an SSH key belongs to and get terminal tickets for them, which no browser may. Production
 * gives the same INTERNAL_API_SECRET to the API and the gateways; an embedded install generates one once
 * into `<dataDir>/keys/`, where both halves of the process read it.
 */
import { randomBytes } from 'node:crypto';
import { readOrCreateKeyFile } from './key-file';

export async function loadInternalSecret(opts: { secret?: string; dataDir: string }): Promise<string> {
  if (opts.secret) return opts.secret;
  return (await readOrCreateKeyFile(opts.dataDir, 'internal-api-secret', () => randomBytes(32).toString('base64url'))).trim();
}
