import { api } from '../../api';
import type {
  CreateRegistrationResponse,
  EmailCodeResponse,
  PrivacyPolicy,
  Registration,
  RegistrationDraft,
} from '../../types';

export const REGISTRATION_STORAGE_KEY = 'pactum.registration';

export interface StoredRegistration {
  id: string;
  token: string;
}

export function loadStoredRegistration(): StoredRegistration | null {
  try {
    const raw = window.localStorage.getItem(REGISTRATION_STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<StoredRegistration>;
    if (typeof parsed.id === 'string' && typeof parsed.token === 'string' && parsed.id && parsed.token) {
      return { id: parsed.id, token: parsed.token };
    }
  } catch {
    /* corrupt entry */
  }
  return null;
}

export function saveStoredRegistration(value: StoredRegistration): void {
  window.localStorage.setItem(REGISTRATION_STORAGE_KEY, JSON.stringify(value));
}

export function clearStoredRegistration(): void {
  window.localStorage.removeItem(REGISTRATION_STORAGE_KEY);
}

function auth(stored: StoredRegistration) {
  return { headers: { 'X-Resume-Token': stored.token } };
}

const base = (id: string) => `/registrations/${encodeURIComponent(id)}`;

export const registrationApi = {
  privacy: () => api.get<PrivacyPolicy>('/legal/privacy'),
  create: (draft: RegistrationDraft) => api.post<CreateRegistrationResponse>('/registrations', draft),
  get: (s: StoredRegistration) => api.get<Registration>(base(s.id), auth(s)),
  patch: (s: StoredRegistration, draft: RegistrationDraft) => api.patch<Registration>(base(s.id), draft, auth(s)),
  uploadLicense: (s: StoredRegistration, file: File) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return api.put<Registration>(`${base(s.id)}/license`, form, auth(s));
  },
  sendEmailCode: (s: StoredRegistration) => api.post<EmailCodeResponse>(`${base(s.id)}/email-code`, undefined, auth(s)),
  verifyEmailCode: (s: StoredRegistration, code: string) =>
    api.post<Registration>(`${base(s.id)}/email-code/verify`, { code }, auth(s)),
  submit: (s: StoredRegistration, consentVersion: string) =>
    api.post<Registration>(`${base(s.id)}/submit`, { consentVersion }, auth(s)),
  withdraw: (s: StoredRegistration) => api.post<Registration>(`${base(s.id)}/withdraw`, undefined, auth(s)),
};

/** Statuses in which the applicant may still edit the registration in the wizard. */
export const EDITABLE_STATUSES = ['draft', 'rejected'];
export const WITHDRAWABLE_STATUSES = ['draft', 'submitted'];
