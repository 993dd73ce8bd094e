import type { Auth } from '../security/service.js';
import { AppError } from '../../platform/http/errors.js';

/**
 * Object rules of the contracts module. Function permissions (role ∩ entitled module ∩ tenant state) are
 * decided by the access module on every call (`access.checkTx`), and data levels by the RLS policy
 * `contracts_level` (app_can_see); what stays here is what depends on the contract itself.
 */
export interface ContractRef {
  created_by?: string;
  owner_id?: string;
}

/** Separation of duties: the drafter (or owner) of a contract never approves it. */
export function assertMayApprove(auth: Pick<Auth, 'user'>, contract: ContractRef): void {
  if (contract.created_by === auth.user.id || contract.owner_id === auth.user.id) throw new AppError(403, 'approval_own_contract');
}

/** Whether a user may be an approver of this contract (separation of duties). */
export const mayApprove = (userId: string, contract: ContractRef): boolean => userId !== contract.created_by && userId !== contract.owner_id;
