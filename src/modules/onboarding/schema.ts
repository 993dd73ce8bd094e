import { z } from 'zod';
import { emailField, mobileField, plainText, usccField } from '../../platform/http/fields.js';

const text = plainText;

export const fields = {
  companyName: text(2, 100).describe('Company name as on the business license'),
  uscc: usccField.describe('Unified social credit code (统一社会信用代码), 18 characters; spaces, dashes, full-width and lower case are normalised'),
  registeredAddress: text(4, 200).describe('Registered address'),
  legalRepresentative: text(1, 50).nullable().describe('Legal representative (optional)'),
  contactName: text(1, 50).describe('Contact person'),
  contactMobile: mobileField.describe('Mainland China mobile number; stored as E.164 (+86…)'),
  contactEmail: emailField.describe('Contact e-mail; becomes the first administrator’s login'),
};

export const registrationInput = z
  .object({
    companyName: fields.companyName.optional(),
    uscc: fields.uscc.optional(),
    registeredAddress: fields.registeredAddress.optional(),
    legalRepresentative: fields.legalRepresentative.optional(),
    contactName: fields.contactName.optional(),
    contactMobile: fields.contactMobile.optional(),
    contactEmail: fields.contactEmail.optional(),
  })
  .strict();

export type RegistrationInput = z.output<typeof registrationInput>;

export const FIELD_NAMES = [
  'companyName',
  'uscc',
  'registeredAddress',
  'legalRepresentative',
  'contactName',
  'contactMobile',
  'contactEmail',
] as const;
export type FieldName = (typeof FIELD_NAMES)[number];

export const REQUIRED_FIELDS: FieldName[] = ['companyName', 'uscc', 'registeredAddress', 'contactName', 'contactMobile', 'contactEmail'];

export const REJECTION_REASONS = ['incomplete', 'license_unreadable', 'name_mismatch', 'duplicate', 'other'] as const;

export const STATUSES = ['draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'expired'] as const;

export const LICENSE_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;

export const registrationOut = z.object({
  id: z.string(),
  status: z.enum(STATUSES),
  version: z.number(),
  companyName: z.string().nullable(),
  uscc: z.string().nullable(),
  registeredAddress: z.string().nullable(),
  legalRepresentative: z.string().nullable(),
  contactName: z.string().nullable(),
  contactMobile: z.string().nullable(),
  contactEmail: z.string().nullable(),
  emailVerified: z.boolean(),
  license: z.object({ fileName: z.string(), mimeType: z.string(), size: z.number(), sha256: z.string(), uploadedAt: z.date() }).nullable(),
  consentVersion: z.string().nullable(),
  submittedAt: z.date().nullable(),
  decidedAt: z.date().nullable(),
  rejection: z.object({ reasons: z.array(z.string()), comment: z.string() }).nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

export type RegistrationView = z.infer<typeof registrationOut>;
