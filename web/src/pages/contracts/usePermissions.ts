import { useEffect, useState } from 'react';
import { accessApi } from '../access/accessApi';

/**
 * The signed-in user's effective permissions (roles ∩ entitlements ∩ tenant state), from the access module.
 * Only decides what the page offers; the API enforces every permission whatever the page shows.
 */
export function usePermissions(): { has: (perm: string) => boolean; loaded: boolean } {
  const [perms, setPerms] = useState<Set<string> | null>(null);
  useEffect(() => {
    let live = true;
    accessApi
      .me()
      .then((me) => live && setPerms(new Set(me.permissions)))
      .catch(() => live && setPerms(new Set()));
    return () => {
      live = false;
    };
  }, []);
  return { has: (p) => !!perms?.has(p), loaded: perms !== null };
}
