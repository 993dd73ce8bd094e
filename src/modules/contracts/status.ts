import { AppError } from '../../platform/http/errors.js';

export const CONTRACT_STATUSES = ['draft', 'returned', 'in_approval', 'approved', 'signing', 'signed', 'archived', 'withdrawn', 'terminated', 'expired'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

/**
 * The contract lifecycle: draft → in_approval → approved → signing → signed → archived;
 * in_approval → returned (an approver returned it with a comment; edited like a draft and resubmitted);
 * approved | signing → in_approval (changed after approval: anything an approver judged; during signing
 * the signatures so far are voided first); signing → approved (the round ended without a seal: a signer
 * declined or the deadline passed; signing restarts with a new deadline); any state before signed →
 * withdrawn; signed → terminated | expired; signed | terminated | expired → archived.
 */
const TRANSITIONS: Record<ContractStatus, readonly ContractStatus[]> = {
  draft: ['in_approval', 'withdrawn'],
  returned: ['in_approval', 'withdrawn'],
  in_approval: ['approved', 'returned', 'withdrawn'],
  approved: ['signing', 'in_approval', 'withdrawn'],
  signing: ['signed', 'withdrawn', 'approved', 'in_approval'],
  signed: ['archived', 'terminated', 'expired'],
  archived: [],
  withdrawn: [],
  terminated: ['archived'],
  expired: ['archived'],
};

export function canTransition(from: string, to: ContractStatus): boolean {
  return (TRANSITIONS[from as ContractStatus] ?? []).includes(to);
}

/** Refuses an illegal transition with 409 `contract_transition_refused`. */
export function assertTransition(from: string, to: ContractStatus): void {
  if (!canTransition(from, to)) throw new AppError(409, 'contract_transition_refused', { from, to });
}

/** Edited freely (a body change is a new version). */
export const DRAFTING: readonly string[] = ['draft', 'returned'];
/** Edited only by going back to approval (and, while signing, voiding the signatures so far). */
export const APPROVED_STATES: readonly string[] = ['approved', 'signing'];
/** Saving a new version is allowed here. */
export const EDITABLE: readonly string[] = [...DRAFTING, ...APPROVED_STATES];
