/**
 * The state file of a local instance, written atomically (temp file + rename) so a reader never sees half a
 * file, and parsed with a schema so a damaged file reads as "failed", never as a crash.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { z } from 'zod';

export const instanceStateSchema = z.object({
  instanceId: z.string(),
  phase: z.enum(['running', 'stopped']),
  /** sha256 of the lab config the instance was started with. */
  configHash: z.string(),
  ownerKey: z.string(),
  labKey: z.string(),
  /** Host user id the sandbox runs as (root mode); null when sandboxes run in a user namespace. */
  uid: z.number().int().nullable(),
  createdAt: z.string(),
  startedAt: z.string(),
  stoppedAt: z.string().nullable(),
  /** Pod mode, terminal over SSH: the host key the terminal container's sshd published at this start. */
  sshHostKey: z.string().nullable().optional(),
});

export type InstanceState = z.infer<typeof instanceStateSchema>;

export type StateRead = { kind: 'absent' } | { kind: 'ok'; state: InstanceState } | { kind: 'damaged'; reason: string };

export async function readInstanceState(file: string): Promise<StateRead> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'damaged', reason: `state file unreadable: ${(e as Error).message}` };
  }
  try {
    const parsed = instanceStateSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { kind: 'ok', state: parsed.data };
    return { kind: 'damaged', reason: 'state file does not match its schema' };
  } catch {
    return { kind: 'damaged', reason: 'state file is not JSON' };
  }
}

export async function writeInstanceState(file: string, state: InstanceState): Promise<void> {
  // A unique temp name: two starts racing in one process (a redelivered job) must not share a temp file.
  const tmp = `${file}.${randomUUID()}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
}
