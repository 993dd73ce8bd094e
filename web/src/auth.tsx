import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, api, onApiError } from './api';
import type { Me } from './types';
import { platformHomeFor } from './pages/platform/pageRoles';
import { setDisplayTimeZone } from './format';

/** Roles of the registration review pages (kept for callers; see pages/platform/pageRoles.ts). */
export const REVIEW_ROLES = ['super_admin', 'reviewer'];

interface AuthState {
  /** undefined while loading, null when signed out. */
  me: Me | null | undefined;
  refresh: () => Promise<Me | null>;
  setMe: (me: Me | null) => void;
  /** Ends the session. `then` runs in the same render batch as clearing the user (e.g. a navigate). */
  logout: (then?: () => void) => Promise<void>;
}

const AuthContext = createContext<AuthState>({
  me: undefined,
  refresh: async () => null,
  setMe: () => undefined,
  logout: async () => undefined,
});

export function homePathFor(me: Me | null | undefined): string {
  if (!me) return '/login';
  if (me.user.mustChangePassword) return '/change-password';
  if ((me.user as { mfaSetupRequired?: boolean }).mfaSetupRequired) return me.user.kind === 'platform' ? '/platform/security' : '/tenant/security';
  return me.user.kind === 'platform' ? platformHomeFor(me.user.roles) : '/tenant';
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      const result = await api.get<Me>('/me');
      setMe(result);
      setDisplayTimeZone(result?.tenant?.timeZone);
      return result;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'password_change_required') {
        // keep whatever we know, but force the password change
        setMe((prev) => (prev ? { ...prev, user: { ...prev.user, mustChangePassword: true } } : prev ?? null));
        return null;
      }
      setMe(null);
      return null;
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(
    () =>
      onApiError((error, path) => {
        if (error.status === 403 && error.code === 'password_change_required') {
          setMe((prev) => (prev ? { ...prev, user: { ...prev.user, mustChangePassword: true } } : prev));
        } else if (error.status === 401 && !path.startsWith('/auth/') && !path.startsWith('/registrations')) {
          setMe((prev) => (prev === undefined ? prev : null));
        }
      }),
    [],
  );

  const logout = useCallback(async (then?: () => void) => {
    try {
      await api.post('/auth/logout');
    } catch {
      /* session may already be gone */
    }
    then?.();
    setMe(null);
  }, []);

  const value = useMemo(() => ({ me, refresh, setMe, logout }), [me, refresh, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  return useContext(AuthContext);
}
