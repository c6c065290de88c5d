/**
 * The gateway's half of the internal SSH login call (common/src/ssh/ssh-login-wire.ts): it asks the API,
 * never the database, who a credential belongs to. An interface with one HTTP implementation, so the
 * front door's tests can answer with a fake authority when they only test the door itself.
 */
import { AppError } from '@autolabs/common/errors/app-error';
import { internalAuthHeader } from '@autolabs/common/ssh/internal-auth';
import { SSH_LOGIN_PATH, type SshLoginAnswer, type SshLoginRequest } from '@autolabs/common/ssh/ssh-login-wire';

export interface SshLoginAuthority {
  /** The API's decision; throws AppError SERVICE_UNAVAILABLE when the API cannot be asked. */
  login(request: SshLoginRequest): Promise<SshLoginAnswer>;
}

const CALL_TIMEOUT_MS = 10_000;

export function httpSshLoginAuthority(opts: { baseUrl: () => string; secret: string }): SshLoginAuthority {
  return {
    async login(request) {
      let res: Response;
      try {
        res = await fetch(new URL(SSH_LOGIN_PATH, opts.baseUrl()), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: internalAuthHeader(opts.secret) },
          body: JSON.stringify(request),
          signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
        });
      } catch (e) {
        throw new AppError('SERVICE_UNAVAILABLE', 'the sign-in service cannot be reached; try again shortly', { cause: e });
      }
      if (!res.ok) {
        throw new AppError('SERVICE_UNAVAILABLE', 'the sign-in service cannot be reached; try again shortly', { detail: { status: res.status, body: (await res.text()).slice(0, 300) } });
      }
      return (await res.json()) as SshLoginAnswer;
    },
  };
}
