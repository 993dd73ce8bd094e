import { AppError } from '../../platform/http/errors.js';

export const CONTRACT_STATUSES = ['draft', 'in_approval', 'approved', 'signing', 'signed', 'archived', 'withdrawn', 'terminated', 'expired'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

/**
 * The contract lifecycle: draft → in_approval → approved → signing → signed → archived;
 * in_approval → draft (returned); approved → draft (changed after approval, goes back to approval);
 * any state before signed → withdrawn; signed → terminated | expired;
 * signing → approved (a signer declined: the round is voided, the owner may change and restart signing).
 */
const TRANSITIONS: Record<ContractStatus, readonly ContractStatus[]> = {
  draft: ['in_approval', 'withdrawn'],
  in_approval: ['approved', 'draft', 'withdrawn'],
  approved: ['signing', 'draft', 'in_approval', 'withdrawn'],
  signing: ['signed', 'withdrawn', 'approved'],
  signed: ['archived', 'terminated', 'expired'],
  archived: [],
  withdrawn: [],
  terminated: [],
  expired: [],
};

/** Refuses an illegal transition with 409 `contract_transition_refused`. */
export function assertTransition(from: string, to: ContractStatus): void {
  const allowed = TRANSITIONS[from as ContractStatus];
  if (!allowed || !allowed.includes(to)) throw new AppError(409, 'contract_transition_refused', { from, to });
}

/** Saving a new version is allowed here; saving an approved contract sends it back to approval. */
export const EDITABLE: readonly string[] = ['draft', 'approved'];
