import { z } from 'zod';
import { checkUscc, cleanText, hasControlCharacters, isValidEmail, normalizeEmail, normalizeMobile } from '../../platform/validation.js';

/**
 * Field schemas of a registration. Each normalises its value (full-width characters, spaces, case,
 * E.164) and reports failures with a stable code as the issue message (see platform/http/app.ts).
 */
const text = (min: number, max: number) =>
  z
    .string()
    .transform((s, ctx) => {
      if (hasControlCharacters(s)) {
        ctx.addIssue({ code: 'custom', message: 'control_characters' });
        return z.NEVER;
      }
      return cleanText(s);
    })
    .pipe(z.string().min(min).max(max));

export const fields = {
  companyName: text(2, 100).describe('Company name as on the business license'),
  uscc: z
    .string()
    .max(64)
    .transform((s, ctx) => {
      const r = checkUscc(s);
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: r.code });
        return z.NEVER;
      }
      return r.value;
    })
    .describe('Unified social credit code (统一社会信用代码), 18 characters; spaces, dashes, full-width and lower case are normalised'),
  registeredAddress: text(4, 200).describe('Registered address'),
  legalRepresentative: text(1, 50).nullable().describe('Legal representative (optional)'),
  contactName: text(1, 50).describe('Contact person'),
  contactMobile: z
    .string()
    .max(32)
    .transform((s, ctx) => {
      const r = normalizeMobile(s);
      if (!r.ok) {
        ctx.addIssue({ code: 'custom', message: r.code });
        return z.NEVER;
      }
      return r.value;
    })
    .describe('Mainland China mobile number; stored as E.164 (+86…)'),
  contactEmail: z
    .string()
    .max(254)
    .transform((s, ctx) => {
      if (!isValidEmail(s)) {
        ctx.addIssue({ code: 'custom', message: 'email_invalid' });
        return z.NEVER;
      }
      return normalizeEmail(s);
    })
    .describe('Contact e-mail; becomes the first administrator’s login'),
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
