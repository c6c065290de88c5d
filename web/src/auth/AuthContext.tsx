/**
 * Who is signed in. The cookie is HttpOnly, so the app learns its user by asking `me.get`; an
 * UNAUTHENTICATED answer means "show the login page", any other failure is shown as an error.
 */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, type RouterOutputs } from '../api/trpc';
import { describeError, type ShownError } from '../api/describe-error';
import { logout as logoutRequest } from '../api/auth-api';

export type Me = RouterOutputs['me']['get'];
export type Role = Me['role'];

interface AuthState {
  me: Me | null;
  checking: boolean;
  error: ShownError | undefined;
  refresh: () => Promise<void>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(true);
  const [error, setError] = useState<ShownError>();

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

  const logout = useCallback(async () => {
    await logoutRequest();
    setMe(null);
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return <AuthContext.Provider value={{ me, checking, error, refresh, logout }}>{children}</AuthContext.Provider>;
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
