import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { api } from '../../api';

export interface Counterparty {
  name: string;
  uscc: string;
  role?: string;
  contact?: { name?: string; phone?: string; email?: string };
}

export interface Contract {
  id: string;
  number: string;
  title: string;
  type: string;
  counterparties: Counterparty[];
  amountFen: number | null;
  currency: string;
  signingDate: string | null;
  startDate: string | null;
  endDate: string | null;
  autoRenew: boolean;
  sensitivity: string;
  status: string;
  tags: string[];
  archiveNumber: string | null;
  archivedFrom?: string | null;
  retentionUntil: string | null;
  currentVersion: number;
  createdBy: string;
  updatedAt: string;
}

export interface Signer {
  id: string;
  step: number;
  kind: 'internal' | 'counterparty';
  userId: string | null;
  name: string;
  email: string;
  partyName: string | null;
  status: string;
  signedAt: string | null;
  method: string | null;
  credentialId?: string | null;
}

export interface ContractDetail extends Contract {
  body: string;
  approval: null | {
    round: number;
    status: string;
    current_step: number;
    steps: Array<{ name: string; mode: string; approvers: string[] }>;
    decisions: Array<{ step: number; name: string; decision: string; comment: string | null; at: string }>;
    myTurn: boolean;
  };
  signers: Signer[];
  seal: null | { originalSha256: string; sealedSha256: string; sealedAt: string };
  attachments: Array<{ id: string; filename: string; mime: string; size_bytes: number; sha256: string; kind: string; created_at: string }>;
}

export interface Template {
  id: string;
  name: string;
  type: string;
  variables: Array<{ name: string; type: 'text' | 'date' | 'amount' | 'party'; label?: string }>;
  body: string;
}

export interface DiffPart {
  op: 'equal' | 'insert' | 'delete';
  text: string;
}

export interface VerifyResult {
  valid: boolean;
  sha256: string;
  reason: string | null;
  signature: string;
  document: null | { number: string; title: string; sealedAt: string; signers: Array<{ name: string; party: string; signedAt: string; method: string }> };
}

export const contractsApi = {
  list: (query: Record<string, string | number | undefined>) =>
    api.get<{ items: Contract[]; total: number; page: number; pageSize: number }>('/contracts', { query }),
  get: (id: string) => api.get<ContractDetail>(`/contracts/${id}`),
  create: (body: Record<string, unknown>) => api.post<Contract>('/contracts', body),
  update: (id: string, body: Record<string, unknown>) => api.patch<Contract>(`/contracts/${id}`, body),
  templates: () => api.get<Template[]>('/contract-templates'),
  versions: (id: string) => api.get<Array<{ version: number; note: string | null; author: string | null; created_at: string; source: string }>>(`/contracts/${id}/versions`),
  diff: (id: string, from: number, to: number) => api.get<{ parts: DiffPart[] }>(`/contracts/${id}/diff`, { query: { from, to, mode: 'word' } }),
  submit: (id: string) => api.post<Contract>(`/contracts/${id}/submit`),
  decide: (id: string, decision: 'approve' | 'return' | 'reject', comment?: string) => api.post<Contract>(`/contracts/${id}/${decision}`, { comment: comment || undefined }),
  withdraw: (id: string) => api.post<Contract>(`/contracts/${id}/withdraw`),
  archive: (id: string) => api.post<Contract>(`/contracts/${id}/archive`, {}),
  setSigners: (id: string, signers: unknown[]) => api.put<Signer[]>(`/contracts/${id}/signers`, { signers }),
  startSigning: (id: string, deadline: string) => api.post<Contract>(`/contracts/${id}/signing`, { deadline }),
  requestCode: (id: string) => api.post<{ sentTo: string }>(`/contracts/${id}/sign/code`),
  sign: (id: string, code: string) => api.post<Contract>(`/contracts/${id}/sign`, { code }),
  passkeyOptions: (id: string) => api.post<{ options: PublicKeyCredentialRequestOptionsJSON; payload: Record<string, unknown>; expiresAt: string }>(`/contracts/${id}/sign/passkey/options`),
  signWithPasskey: (id: string, response: AuthenticationResponseJSON) => api.post<Contract>(`/contracts/${id}/sign/passkey`, { response }),
  audit: (id: string) => api.get<Array<{ occurred_at: string; action: string; actor_label: string | null; actor_kind: string; ip: string | null; outcome: string }>>(`/contracts/${id}/audit`),
  upload: (id: string, file: File) => {
    const fd = new FormData();
    fd.append('file', file);
    return api.post<unknown>(`/contracts/${id}/attachments`, fd);
  },
  dashboard: () =>
    api.get<{
      byStatus: Record<string, number>;
      expiringSoon: Array<{ id: string; number: string; title: string; endDate: string }>;
      myApprovals: Array<{ contractId: string; number: string; title: string; step: string }>;
    }>('/contract-dashboard'),
  /** analytics.view (module analytics) */
  analytics: () =>
    api.get<{
      amountByMonth: Array<{ month: string; amountFen: number; count: number }>;
      amountByType: Array<{ type: string; amountFen: number; count: number }>;
    }>('/contract-analytics'),
  /** contracts.delete_draft; drafts only */
  deleteDraft: (id: string) => api.delete<{ deleted: boolean; number: string }>(`/contracts/${id}`),
  /** data.export: the CSV of every contract matching the filters (a plain link, so the browser downloads it). */
  exportUrl: (query: Record<string, string | number | undefined>) => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '' && k !== 'page' && k !== 'pageSize') qs.set(k, String(v));
    qs.set('format', 'csv');
    return `/api/v1/contracts/export?${qs.toString()}`;
  },
  publicView: (token: string) =>
    api.get<{
      contract: { number: string; title: string; status: string; amountFen: number | null; body: string; issuer: string };
      signer: { name: string; partyName: string | null; status: string };
      yourTurn: boolean;
    }>(`/public/sign/${encodeURIComponent(token)}`),
  publicCode: (token: string) => api.post<{ sentTo: string }>(`/public/sign/${encodeURIComponent(token)}/code`),
  publicSign: (token: string, code: string) => api.post<{ signed: boolean; contractStatus: string }>(`/public/sign/${encodeURIComponent(token)}`, { code }),
  verify: (file: File) => {
    const fd = new FormData();
    fd.append('file', file);
    return api.post<VerifyResult>('/public/verify', fd);
  },
};

export const yuan = (fen: number | null | undefined) =>
  fen === null || fen === undefined ? '—' : `¥${(fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export const STATUS_COLORS: Record<string, string> = {
  draft: 'default',
  returned: 'warning',
  in_approval: 'processing',
  approved: 'cyan',
  signing: 'gold',
  signed: 'success',
  archived: 'purple',
  withdrawn: 'default',
  terminated: 'red',
  expired: 'orange',
};
