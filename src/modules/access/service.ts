import crypto from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { AppError } from '../../platform/http/errors.js';
import { emailKey } from '../../platform/validation.js';
import { generatePassword, hashPassword } from '../../platform/passwords.js';

/** Tenant users and their roles. (Roles, permissions and data levels grow here.) */
export function accessService(_ctx: AppContext) {
  return {
    /**
     * Creates a tenant's first administrator with a system-issued password (returned once, to be mailed)
     * that must be changed at first sign-in. Runs inside the provisioning transaction, acting for the tenant.
     */
    async createInitialAdmin(tx: Tx, tenantId: string, input: { email: string; name: string }): Promise<{ userId: string; password: string }> {
      const key = emailKey(input.email);
      const taken = await tx.maybeOne(`SELECT 1 FROM login_identities WHERE email_key = $1`, [key]);
      if (taken) throw new AppError(409, 'email_taken');
      const password = generatePassword();
      const userId = crypto.randomUUID();
      await tx.execute(
        `INSERT INTO users (tenant_id, id, email, name, password_hash, roles, status, must_change_password)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', true)`,
        [tenantId, userId, input.email, input.name, await hashPassword(password), ['tenant_admin']],
      );
      await tx.execute(`INSERT INTO login_identities (email_key, kind, tenant_id, user_id) VALUES ($1, 'tenant', $2, $3)`, [key, tenantId, userId]);
      return { userId, password };
    },
  };
}

export type AccessService = ReturnType<typeof accessService>;
