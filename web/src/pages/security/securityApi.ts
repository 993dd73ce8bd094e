import { ApiError, api } from '../../api';

export type MfaMethod = 'totp' | 'webauthn' | 'sms' | 'recovery';

export interface MfaChallenge {
  mfaRequired: true;
  challengeId: string;
  methods: MfaMethod[];
  // PublicKeyCredentialRequestOptionsJSON when a passkey can be used.
  webauthn?: Record<string, unknown>;
}

export interface MfaStatus {
  totp: { enrolled: boolean; pending: boolean };
  passkeys: Array<{ id: string; name: string; createdAt: string; lastUsedAt: string | null }>;
  sms: { phone: string; verified: boolean } | null;
  recoveryCodesLeft: number;
  required: boolean;
  allowedMethods: MfaMethod[];
}

export interface SessionItem {
  id: string;
  current: boolean;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
}

export interface SecurityPolicy {
  mfaRequired: 'off' | 'admins' | 'all';
  allowedMethods: MfaMethod[];
  passwordMinLength: number;
  sessionIdleMinutes: number;
  sessionAbsoluteMinutes: number;
  ipAllowlist: string[];
  auditRetentionDays: number;
}

export interface FactorChange {
  recoveryCodes?: string[] | null;
  otherSessions: number;
}

export const isReauthRequired = (e: unknown) => e instanceof ApiError && e.code === 'reauth_required';

export const securityApi = {
  status: () => api.get<MfaStatus>('/security/mfa'),
  totpBegin: () => api.post<{ secret: string; otpauthUri: string; qrDataUrl: string }>('/security/mfa/totp'),
  totpConfirm: (code: string) => api.post<FactorChange>('/security/mfa/totp/confirm', { code }),
  totpRemove: () => api.delete<FactorChange>('/security/mfa/totp'),
  recoveryRegenerate: () => api.post<FactorChange>('/security/mfa/recovery-codes'),
  passkeyOptions: () => api.post<Record<string, unknown>>('/security/mfa/webauthn/options'),
  passkeyRegister: (response: unknown, name: string) => api.post<FactorChange>('/security/mfa/webauthn', { response, name }),
  passkeyRemove: (id: string) => api.delete<FactorChange>(`/security/mfa/webauthn/${encodeURIComponent(id)}`),
  smsBegin: (phone: string) => api.post<{ challengeId: string; sentTo: string }>('/security/mfa/sms', { phone }),
  smsConfirm: (challengeId: string, code: string) => api.post<FactorChange>('/security/mfa/sms/confirm', { challengeId, code }),
  smsRemove: () => api.delete<FactorChange>('/security/mfa/sms'),
  reauth: (password: string) => api.post<{ reauthAt: string }>('/auth/reauth', { password }),
  sessions: () => api.get<{ items: SessionItem[] }>('/security/sessions'),
  revoke: (id: string) => api.delete<void>(`/security/sessions/${id}`),
  endOthers: () => api.post<{ ended: number }>('/security/sessions/end-others'),
  policy: () => api.get<SecurityPolicy>('/security/policy'),
  savePolicy: (p: SecurityPolicy) => api.put<SecurityPolicy>('/security/policy', p),
};
