import { useEffect, useState } from 'react';
import { api } from './api';

/**
 * The signed-in tenant user's effective permissions (roles ∩ entitlements ∩ tenant state, from
 * /api/v1/access/me), fetched again on every `refreshKey` change (e.g. the path) so the menu follows a role,
 * entitlement or state change without a reload. null while loading or when not applicable.
 */
export function useTenantPermissions(enabled: boolean, refreshKey: string): string[] | null {
  const [perms, setPerms] = useState<string[] | null>(null);
  useEffect(() => {
    if (!enabled) {
      setPerms(null);
      return;
    }
    let live = true;
    api.get<{ permissions: string[] }>('/access/me').then(
      (r) => live && setPerms(r.permissions),
      () => live && setPerms([]),
    );
    return () => {
      live = false;
    };
  }, [enabled, refreshKey]);
  return perms;
}
