/**
 * Who is signed in. The cookie is HttpOnly, so the app learns its user by asking `me.get`; an
 * UNAUTHENTICATED answer means "show the login page", any other failure is shown as an error. A later call
 * answered UNAUTHENTICATED (api/session-events.ts) signs the app out with a sentence saying so. Also how
 * people sign in here (`/api/auth/options`), which the login page and the logout need.
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, type RouterOutputs } from '../api/trpc';
import { describeError, type ShownError } from '../api/describe-error';
import { fetchAuthOptions, logout as logoutRequest, type AuthOptions } from '../api/auth-api';
import { onSessionEvent } from '../api/session-events';

export type Me = RouterOutputs['me']['get'];
export type Role = Me['role'];

interface AuthState {
  me: Me | null;
  checking: boolean;
  error: ShownError | undefined;
  /** How people sign in here; null until the server has said. */
  options: AuthOptions | null;
  refresh: () => Promise<void>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(true);
  const [error, setError] = useState<ShownError>();
  const [options, setOptions] = useState<AuthOptions | null>(null);
  const signedIn = useRef(false);
  signedIn.current = me !== null;

  const refresh = useCallback(async () => {
    try {
      setMe(await api.me.get.query());
      setError(undefined);
    } catch (e) {
      const shown = describeError(e);
      setMe(null);
      setError(shown.code === 'UNAUTHENTICATED' ? undefined : shown);
    } finally {
      setChecking(false);
    }
  }, []);

  // Signed in through the OIDC provider: the browser then goes there to end its session too.
  const logout = useCallback(async () => {
    const providerLogout = await logoutRequest(options);
    setMe(null);
    if (providerLogout) window.location.assign(providerLogout);
  }, [options]);

  useEffect(() => {
    void refresh();
    void fetchAuthOptions().then(setOptions);
  }, [refresh]);

  // Any call may learn that the session ended (signed out elsewhere, the account disabled) or that an admin
  // reset the password: the sign-in page, or the change-password page, replaces whatever page was open.
  useEffect(() => {
    const offSignedOut = onSessionEvent('signed-out', () => {
      if (signedIn.current) setError({ code: 'UNAUTHENTICATED', message: 'Your session has ended. Sign in again.' });
      setMe(null);
    });
    const offPasswordChange = onSessionEvent('password-change-required', () => void refresh());
    return () => {
      offSignedOut();
      offPasswordChange();
    };
  }, [refresh]);

  return <AuthContext.Provider value={{ me, checking, error, options, refresh, logout }}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth outside AuthProvider');
  return state;
}

/** The signed-in user; only for pages rendered behind the login gate. */
export function useMe(): Me {
  const { me } = useAuth();
  if (!me) throw new Error('useMe without a signed-in user');
  return me;
}
