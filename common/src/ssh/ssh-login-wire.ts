/**
 * The one internal call between the gateway's SSH front door and the API: "someone at this address
 * proved this credential for this account name; who is it, and which of their labs runs?". The gateway
 * never reads the database (docs/architecture.md); the API answers with the same signed terminal ticket
 * a browser gets. Both ends import this module. The call carries `Authorization: Bearer
 * <INTERNAL_API_SECRET>` (internal-auth.ts); without it the route answers 404, as if it did not exist.
 */
import { z } from 'zod';

export const SSH_LOGIN_PATH = '/internal/ssh/login';

/** Lab names are DNS labels; an instance may also be named by the first 8 characters of its id. */
const labName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);

export const sshLoginRequestSchema = z.strictObject({
  /** The account name, before any `+lab`. */
  username: z.string().min(1).max(64),
  lab: labName.nullable(),
  credential: z.discriminatedUnion('kind', [
    /** A public key whose signature the gateway has verified: its wire blob, base64. */
    z.strictObject({ kind: z.literal('publickey'), key: z.string().min(1).max(4096) }),
    z.strictObject({ kind: z.literal('password'), password: z.string().min(1).max(200) }),
  ]),
  /** The SSH client's address, for the throttle and the audit log. */
  clientAddress: z.string().min(1).max(100),
});
export type SshLoginRequest = z.infer<typeof sshLoginRequestSchema>;

export interface SshLabChoice {
  /** What goes after the `+`: the lab's name, or its instance's id prefix when two run under one name. */
  login: string;
  title: string;
}

export type SshLoginAnswer =
  | {
      outcome: 'denied';
      code: 'UNAUTHENTICATED' | 'RATE_LIMITED';
      /** Shown to the SSH user as is. */
      message: string;
      retryAfterSeconds?: number;
    }
  | {
      outcome: 'accepted';
      userId: string;
      /** The owner ticket for the chosen lab; null when none could be chosen (see `message`). */
      ticket: string | null;
      lab: SshLabChoice | null;
      /** Why there is no ticket: no lab running, several to choose from, or no such lab. */
      message: string | null;
      choices: SshLabChoice[];
    };
