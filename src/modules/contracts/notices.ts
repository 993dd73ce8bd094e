import type { ContractStatus } from './status.js';

/**
 * Every message of the signing flow comes from here, and only for the contract state it belongs to:
 * an invitation, "your turn" or reminder only while the contract is `signing` and the addressed signer
 * is a current (not voided) pending signer whose step is open; "completed" only once `signed`;
 * "declined" only after the decline moved the contract back to `approved`; "voided" only once a change
 * sent the contract back to approval (`in_approval`); "expired" only after the deadline moved it back to
 * `approved`; "withdrawn" only once `withdrawn`. Any other combination yields no message (null).
 */
export type SigningEvent = 'invitation' | 'your_turn' | 'reminder' | 'completed' | 'declined' | 'voided' | 'expired' | 'withdrawn';

export const EVENT_STATE: Record<SigningEvent, ContractStatus> = {
  invitation: 'signing',
  your_turn: 'signing',
  reminder: 'signing',
  completed: 'signed',
  declined: 'approved',
  voided: 'in_approval',
  expired: 'approved',
  withdrawn: 'withdrawn',
};

export const EVENT_KIND: Record<SigningEvent, string> = {
  invitation: 'signature_requested',
  your_turn: 'signature_requested',
  reminder: 'signature_reminder',
  completed: 'signing_completed',
  declined: 'signing_declined',
  voided: 'signing_voided',
  expired: 'signing_expired',
  withdrawn: 'signing_withdrawn',
};

export interface NoticeInput {
  event: SigningEvent;
  contract: { status: string; number: string; title: string };
  /** The addressed signer, for invitation / your_turn / reminder. */
  signer?: { status: string; voided: boolean; currentStep: boolean; linkExpiresAt: Date | null };
  now: Date;
  name?: string;
  reason?: string;
  by?: string;
  deadline?: string;
}

export interface Notice {
  kind: string;
  subject: string;
  lines: string[];
}

export function signingNotice(n: NoticeInput): Notice | null {
  const { event, contract: c } = n;
  if (c.status !== EVENT_STATE[event]) return null;
  if (event === 'invitation' || event === 'your_turn' || event === 'reminder') {
    const s = n.signer;
    if (!s || s.voided || s.status !== 'pending' || !s.currentStep) return null;
    if (s.linkExpiresAt && s.linkExpiresAt.getTime() <= n.now.getTime()) return null;
  }
  const t = `“${c.title}”（${c.number}）`;
  const te = `"${c.title}" (${c.number})`;
  const who = n.name ? `${n.name}，您好：` : '';
  const deadline = n.deadline ? `签署截止：${n.deadline}。` : '';
  const deadlineEn = n.deadline ? ` The signing deadline is ${n.deadline}.` : '';
  switch (event) {
    case 'invitation':
    case 'your_turn':
      return {
        kind: EVENT_KIND[event],
        subject: `请签署合同 / Please sign: ${c.number} ${c.title}`,
        lines: [`${who}请签署合同${t}。${deadline}`, `Please sign the contract ${te}.${deadlineEn}`],
      };
    case 'reminder':
      return {
        kind: EVENT_KIND[event],
        subject: `签署提醒：请签署合同 / Reminder, please sign: ${c.number} ${c.title}`,
        lines: [`${who}合同${t}仍在等待您的签署。${deadline}`, `The contract ${te} is still waiting for your signature.${deadlineEn}`],
      };
    case 'completed':
      return {
        kind: EVENT_KIND[event],
        subject: `签署完成 / Signed: ${c.number} ${c.title}`,
        lines: [`合同${t}已由全部签署人签署并盖章。`, `The contract ${te} has been signed by everyone and sealed.`],
      };
    case 'declined':
      return {
        kind: EVENT_KIND[event],
        subject: `合同被拒签 / Signing declined: ${c.number} ${c.title}`,
        lines: [
          `${n.by ?? '一位签署人'}拒绝签署合同${t}，签署已终止，已完成的签署作废。原因：${n.reason ?? ''}`,
          `${n.by ?? 'A signer'} declined to sign the contract ${te}; signing has stopped and the signatures so far are void. Reason: ${n.reason ?? ''}`,
        ],
      };
    case 'voided':
      return {
        kind: EVENT_KIND[event],
        subject: `合同已修改，签署作废 / Contract changed, signatures void: ${c.number} ${c.title}`,
        lines: [
          `合同${t}已被修改（新版本），已退回重新审批；本轮签署（含您此前的签署）已作废，旧签署链接失效。审批通过后将从第一步重新发起签署，轮到您时会收到新的签署通知。`,
          `The contract ${te} was changed (a new version) and went back to approval; this signing round, including any signature you gave, is void and old links no longer work. After approval signing restarts from the first step, and you will be asked again when it is your turn.`,
        ],
      };
    case 'expired':
      return {
        kind: EVENT_KIND[event],
        subject: `签署已过截止日 / Signing deadline passed: ${c.number} ${c.title}`,
        lines: [
          `合同${t}的签署截止日（${n.deadline ?? ''}）已过，签署未完成：本轮签署已终止，已完成的签署作废，提醒已停止。合同已回到“已审批”状态，负责人可设置新的截止日重新发起签署。`,
          `The signing deadline (${n.deadline ?? ''}) of the contract ${te} has passed before everyone signed: this round has ended, the signatures so far are void and reminders have stopped. The contract is back to approved; its owner can restart signing with a new deadline.`,
        ],
      };
    case 'withdrawn':
      return {
        kind: EVENT_KIND[event],
        subject: `合同已撤回，签署取消 / Contract withdrawn, signing cancelled: ${c.number} ${c.title}`,
        lines: [
          `合同${t}已被发起方撤回，签署已取消，签署链接失效，无需再签署。`,
          `The contract ${te} was withdrawn by its issuer; signing is cancelled, the signing links no longer work and nothing more is needed from you.`,
        ],
      };
  }
}
