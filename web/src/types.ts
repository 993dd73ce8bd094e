export type RegistrationStatus =
  | 'draft'
  | 'submitted'
  | 'approved'
  | 'rejected'
  | 'withdrawn'
  | 'expired';

export const REGISTRATION_STATUSES: RegistrationStatus[] = [
  'draft',
  'submitted',
  'approved',
  'rejected',
  'withdrawn',
  'expired',
];

export type RejectionReason = 'incomplete' | 'license_unreadable' | 'name_mismatch' | 'duplicate' | 'other';

export const REJECTION_REASONS: RejectionReason[] = [
  'incomplete',
  'license_unreadable',
  'name_mismatch',
  'duplicate',
  'other',
];

export interface LicenseInfo {
  fileName: string;
  mimeType: string;
  size: number;
  uploadedAt: string;
}

export interface Registration {
  id: string;
  status: RegistrationStatus;
  version: number;
  companyName: string | null;
  uscc: string | null;
  registeredAddress: string | null;
  legalRepresentative: string | null;
  contactName: string | null;
  contactMobile: string | null;
  contactEmail: string | null;
  emailVerified: boolean;
  license: LicenseInfo | null;
  consentVersion: string | null;
  submittedAt: string | null;
  decidedAt: string | null;
  rejection: { reasons: string[]; comment: string } | null;
  createdAt: string;
  updatedAt: string;
}

export const COMPANY_FIELDS = ['companyName', 'uscc', 'registeredAddress', 'legalRepresentative'] as const;
export const CONTACT_FIELDS = ['contactName', 'contactMobile', 'contactEmail'] as const;
export type RegistrationField = (typeof COMPANY_FIELDS)[number] | (typeof CONTACT_FIELDS)[number];
export type RegistrationDraft = Partial<Record<RegistrationField, string | null>>;

export interface CreateRegistrationResponse {
  id: string;
  resumeToken: string;
  registration: Registration;
}

export interface EmailCodeResponse {
  sentTo: string;
  expiresAt: string;
  resendAfterSeconds: number;
}

export interface PrivacyPolicy {
  version: string;
  title: string;
  body: string;
}

export type UserKind = 'platform' | 'tenant';

export interface User {
  id: string;
  email: string;
  name: string;
  kind: UserKind;
  roles: string[];
  mustChangePassword: boolean;
}

export interface Tenant {
  id: string;
  name: string;
  uscc: string;
  status: string;
  plan: string;
  timeZone: string;
}

export interface Me {
  user: User;
  tenant: Tenant | null;
}

export interface QueueItem {
  id: string;
  companyName: string | null;
  uscc: string | null;
  status: RegistrationStatus;
  version: number;
  submittedAt: string | null;
  waitingSeconds: number | null;
  decidedAt: string | null;
}

export interface QueuePage {
  items: QueueItem[];
  total: number;
}

export interface Duplicate {
  kind: 'registration' | 'tenant';
  id: string;
  companyName: string | null;
  status: string;
}

export interface RegistrationChecks {
  usccValid: boolean;
  emailVerified: boolean;
  licensePresent: boolean;
  licenseType: string | null;
  licenseTypeAllowed: boolean;
  duplicates: Duplicate[];
  /** Other applications with the same contact e-mail (blind index), or an existing login with it. */
  emailDuplicates?: Array<{ kind: 'registration' | 'login'; id: string; companyName: string | null; status: string }>;
}

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface RegistrationVersion {
  version: number;
  submittedAt: string | null;
  changes: FieldChange[];
}

export interface Decision {
  id: string;
  version: number;
  decision: 'approved' | 'rejected';
  reasons: string[];
  comment: string | null;
  reviewerName: string | null;
  decidedAt: string;
}

export interface RegistrationDetail {
  registration: Registration;
  checks: RegistrationChecks;
  versions: RegistrationVersion[];
  /** Edits made after the last submission (draft / rejected only); optional. */
  unsubmittedChanges?: FieldChange[];
  decisions: Decision[];
}

export interface ApproveResponse {
  registration: Registration;
  tenant: { id: string; name: string };
}
