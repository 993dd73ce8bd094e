import { z } from 'zod';
import { emailField, plainText, usccField } from '../../platform/http/fields.js';
import { CONTRACT_STATUSES } from './status.js';
import { schemeError } from './numbering.js';

const text = plainText;
const uscc = usccField;
const email = emailField;

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'date_invalid')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'date_invalid');

export const SENSITIVITIES = ['public', 'internal', 'confidential', 'restricted'] as const;

export const counterparty = z.object({
  name: text(2, 100),
  uscc,
  contact: z
    .object({ name: text(1, 50).optional(), phone: text(3, 32).optional(), email: email.optional() })
    .default({}),
  role: text(1, 20).optional().describe('e.g. 乙方'),
});
export type Counterparty = z.infer<typeof counterparty>;

const body = z.string().max(500_000).transform((s) => s.normalize('NFC').replace(/\r\n?/g, '\n'));

export const contractFields = {
  title: text(2, 200),
  type: text(1, 50),
  counterparties: z.array(counterparty).max(20),
  amountFen: z.number().int('amount_invalid').min(0, 'amount_invalid').max(9_000_000_000_000_000, 'amount_invalid').nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  signingDate: isoDate.nullable(),
  startDate: isoDate.nullable(),
  endDate: isoDate.nullable(),
  autoRenew: z.boolean(),
  sensitivity: z.enum(SENSITIVITIES),
  departmentId: z.uuid().nullable(),
  tags: z.array(text(1, 30)).max(20),
  customFields: z.record(z.string().max(50), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()])),
  body,
};

export const createContract = z
  .object({
    ...contractFields,
    counterparties: contractFields.counterparties.default([]),
    amountFen: contractFields.amountFen.optional(),
    currency: contractFields.currency.default('CNY'),
    signingDate: contractFields.signingDate.optional(),
    startDate: contractFields.startDate.optional(),
    endDate: contractFields.endDate.optional(),
    autoRenew: contractFields.autoRenew.default(false),
    sensitivity: contractFields.sensitivity.default('internal'),
    departmentId: contractFields.departmentId.optional(),
    tags: contractFields.tags.default([]),
    customFields: contractFields.customFields.default({}),
    body: body.optional(),
    templateId: z.uuid().optional(),
    values: z
      .record(z.string(), z.unknown())
      .describe(
        'Template variable values by variable name. text and party: a string; date: YYYY-MM-DD; amount: an integer in fen (分), like amountFen — 50000000 renders as 人民币500,000.00元.',
      )
      .optional(),
  })
  .refine((v) => !(v.startDate && v.endDate && v.endDate < v.startDate), { message: 'date_order', path: ['endDate'] });
export type CreateContract = z.infer<typeof createContract>;

export const updateContract = z
  .object({
    title: contractFields.title,
    type: contractFields.type,
    counterparties: contractFields.counterparties,
    amountFen: contractFields.amountFen,
    currency: contractFields.currency,
    signingDate: contractFields.signingDate,
    startDate: contractFields.startDate,
    endDate: contractFields.endDate,
    autoRenew: contractFields.autoRenew,
    sensitivity: contractFields.sensitivity,
    departmentId: contractFields.departmentId,
    tags: contractFields.tags,
    customFields: contractFields.customFields,
    body,
    note: text(1, 200),
  })
  .partial()
  .refine((v) => !(v.startDate && v.endDate && v.endDate < v.startDate), { message: 'date_order', path: ['endDate'] });
export type UpdateContract = z.infer<typeof updateContract>;

export const templateVariable = z.object({
  name: z.string().regex(/^[A-Za-z][\w.]{0,49}$/),
  type: z.enum(['text', 'date', 'amount', 'party']),
  label: text(1, 50).optional(),
});
export const createTemplate = z.object({
  name: text(2, 100),
  type: text(1, 50),
  variables: z.array(templateVariable).max(50),
  body: z.string().min(1).max(200_000),
});

export const listQuery = z.object({
  q: z.string().trim().max(100).optional(),
  status: z.enum(CONTRACT_STATUSES).optional(),
  type: z.string().max(50).optional(),
  party: z.string().trim().max(100).optional(),
  minAmountFen: z.coerce.number().int().min(0).optional(),
  maxAmountFen: z.coerce.number().int().min(0).optional(),
  from: isoDate.optional().describe('signing date from (inclusive)'),
  to: isoDate.optional().describe('signing date to (inclusive)'),
  tag: z.string().max(30).optional(),
  fieldKey: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/).optional().describe('custom field key (with fieldValue)'),
  fieldValue: z.string().max(200).optional().describe('custom field value, exact match'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type ListQuery = z.infer<typeof listQuery>;

const condition = z
  .object({
    minAmountFen: z.number().int().min(0).optional(),
    types: z.array(z.string().max(50)).optional(),
    sensitivities: z.array(z.enum(SENSITIVITIES)).optional(),
  })
  .optional();

export const workflowStep = z.object({
  name: text(1, 50),
  approver: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('role'), role: z.string().min(1).max(50) }),
    z.object({ kind: z.literal('user'), userId: z.uuid() }),
    z.object({ kind: z.literal('department_head') }),
  ]),
  mode: z.enum(['any', 'all']).default('any'),
  when: condition,
});
export type WorkflowStep = z.infer<typeof workflowStep>;
export const workflowInput = z.object({ name: text(1, 100), steps: z.array(workflowStep).min(1).max(10) });

export const signerInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('internal'), step: z.number().int().min(1).max(20), userId: z.uuid() }),
  z.object({
    kind: z.literal('counterparty'),
    step: z.number().int().min(1).max(20),
    name: text(1, 50),
    email,
    partyName: text(2, 100),
  }),
]);
export const signersInput = z.object({ signers: z.array(signerInput).min(1).max(20) });
export const startSigning = z.object({ deadline: isoDate });
export const attachmentParams = z.object({ id: z.uuid(), attachmentId: z.uuid() });
export const decisionInput = z.object({ comment: text(1, 1000).optional() });
export const passkeyInput = z.object({
  response: z.object({ id: z.string().min(1).max(1024), rawId: z.string(), type: z.literal('public-key'), response: z.object({ clientDataJSON: z.string(), authenticatorData: z.string(), signature: z.string(), userHandle: z.string().optional() }).loose() }).loose(),
});
export const codeInput = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'code_invalid') });
export const archiveInput = z.object({ retentionYears: z.number().int().min(1).max(100).optional() });
export const settingsInput = z.object({
  watermarkDownloads: z.boolean().optional(),
  retentionYears: z.number().int().min(1).max(100).optional(),
  signingReminderDays: z.number().int().min(1).max(30).optional(),
  signingReminderMax: z.number().int().min(0).max(20).optional(),
  approvalOverdueDays: z.number().int().min(1).max(60).optional(),
  numberScheme: z.string().trim().superRefine((v, c) => { const e = schemeError(v); if (e) c.addIssue({ code: 'custom', message: e }); }).optional(),
  archiveNumberScheme: z.string().trim().superRefine((v, c) => { const e = schemeError(v); if (e) c.addIssue({ code: 'custom', message: e }); }).optional(),
  expiryReminderDays: z
    .array(z.number().int().min(1).max(365))
    .min(1)
    .max(6)
    .refine((a) => new Set(a).size === a.length, 'reminder_days_duplicate')
    .transform((a) => [...a].sort((x, y) => y - x))
    .optional(),
});
export const declineInput = z.object({ reason: text(1, 1000) });
