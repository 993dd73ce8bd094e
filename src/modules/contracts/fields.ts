import { z } from 'zod';
import { invalid, type FieldError } from '../../platform/http/errors.js';
import { plainText } from '../../platform/http/fields.js';
import type { ContractRow } from './repo.js';
import { variablesIn } from './text.js';

/**
 * Tenant-defined custom fields of contracts (definitions managed with templates.manage) and the
 * metadata snapshot kept with every version (what changed between two saves, besides the body).
 */

export const FIELD_TYPES = ['text', 'number', 'date', 'amount', 'select'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const fieldDefinition = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'field_key_invalid'),
    labelZh: plainText(1, 50),
    labelEn: plainText(1, 50),
    type: z.enum(FIELD_TYPES),
    required: z.boolean().default(false),
    options: z.array(plainText(1, 50)).max(50).default([]),
  })
  .superRefine((d, c) => {
    if (d.type === 'select' && d.options.length === 0) c.addIssue({ code: 'custom', message: 'field_options_required', path: ['options'] });
    if (new Set(d.options).size !== d.options.length) c.addIssue({ code: 'custom', message: 'field_options_duplicate', path: ['options'] });
  });
export type FieldDefinition = z.infer<typeof fieldDefinition>;

export const fieldDefinitionsInput = z
  .object({ fields: z.array(fieldDefinition).max(50) })
  .superRefine((v, c) => {
    const seen = new Set<string>();
    v.fields.forEach((f, i) => {
      if (seen.has(f.key)) c.addIssue({ code: 'custom', message: 'field_key_duplicate', path: ['fields', i, 'key'] });
      seen.add(f.key);
    });
  });

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (s: string) => ISO_DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

export type CustomValues = Record<string, string | number | boolean | null>;

/**
 * Checks custom field values against the tenant's definitions: unknown keys, missing required values and
 * values of the wrong type are refused together (422, path `customFields.<key>`). Empty values are dropped.
 * Returns the values to store (text trimmed, numbers as numbers).
 */
export function checkCustomFields(defs: FieldDefinition[], values: CustomValues): Record<string, string | number> {
  const errors: FieldError[] = [];
  const out: Record<string, string | number> = {};
  const byKey = new Map(defs.map((d) => [d.key, d]));
  for (const key of Object.keys(values)) {
    if (!byKey.has(key)) errors.push({ path: `customFields.${key}`, code: 'field_unknown', params: { key } });
  }
  for (const d of defs) {
    const path = `customFields.${d.key}`;
    const raw = values[d.key];
    const empty = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
    if (empty) {
      if (d.required) errors.push({ path, code: 'required' });
      continue;
    }
    switch (d.type) {
      case 'text': {
        if (typeof raw !== 'string' || raw.length > 1000 || /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(raw)) errors.push({ path, code: 'text_invalid' });
        else out[d.key] = raw.trim().normalize('NFC');
        break;
      }
      case 'number': {
        const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
        if (!Number.isFinite(n)) errors.push({ path, code: 'field_number_invalid' });
        else out[d.key] = n;
        break;
      }
      case 'amount': {
        const n = typeof raw === 'number' ? raw : NaN;
        if (!Number.isSafeInteger(n) || n < 0) errors.push({ path, code: 'amount_invalid' });
        else out[d.key] = n;
        break;
      }
      case 'date': {
        if (typeof raw !== 'string' || !validDate(raw)) errors.push({ path, code: 'date_invalid' });
        else out[d.key] = raw;
        break;
      }
      case 'select': {
        if (typeof raw !== 'string' || !d.options.includes(raw)) errors.push({ path, code: 'field_option_invalid', params: { options: d.options.join(' / ') } });
        else out[d.key] = raw;
        break;
      }
    }
  }
  if (errors.length) throw invalid(errors);
  return out;
}

// ---------------------------------------------------------------- metadata snapshots and changes

/** The metadata of a contract as it is versioned (everything a save can change except the body). */
export function metaOf(r: Pick<ContractRow, 'title' | 'type' | 'counterparties' | 'amount_fen' | 'currency' | 'signing_date' | 'start_date' | 'end_date' | 'auto_renew' | 'sensitivity' | 'department_id' | 'tags' | 'custom_fields'>) {
  return {
    title: r.title,
    type: r.type,
    counterparties: r.counterparties,
    amountFen: r.amount_fen === null ? null : Number(r.amount_fen),
    currency: r.currency,
    signingDate: r.signing_date,
    startDate: r.start_date,
    endDate: r.end_date,
    autoRenew: r.auto_renew,
    sensitivity: r.sensitivity,
    departmentId: r.department_id,
    tags: r.tags,
    customFields: r.custom_fields,
  };
}
export type ContractMeta = ReturnType<typeof metaOf>;

/** JSON with keys sorted at every level (jsonb does not keep the key order of the input). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}
const same = (a: unknown, b: unknown) => canonical(a ?? null) === canonical(b ?? null);

export interface MetaChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** Field-level changes between two snapshots; custom fields are compared key by key (`customFields.<key>`). */
export function metaChanges(a: ContractMeta, b: ContractMeta): MetaChange[] {
  const out: MetaChange[] = [];
  for (const k of Object.keys(b) as Array<keyof ContractMeta>) {
    if (k === 'customFields') {
      const ka = (a.customFields ?? {}) as Record<string, unknown>;
      const kb = (b.customFields ?? {}) as Record<string, unknown>;
      for (const key of [...new Set([...Object.keys(ka), ...Object.keys(kb)])].sort()) {
        if (!same(ka[key], kb[key])) out.push({ field: `customFields.${key}`, from: ka[key] ?? null, to: kb[key] ?? null });
      }
    } else if (!same(a[k], b[k])) {
      out.push({ field: k, from: a[k] ?? null, to: b[k] ?? null });
    }
  }
  return out;
}

/**
 * Changes as the audit log keeps them: values of business fields, but for counterparties only the
 * company name and USCC (public registry data), never the contact person, phone or e-mail (personal data).
 */
export function auditChanges(changes: MetaChange[]): MetaChange[] {
  const company = (v: unknown) => (Array.isArray(v) ? v.map((p: { name?: string; uscc?: string; role?: string }) => ({ name: p.name, uscc: p.uscc, role: p.role })) : v);
  return changes.map((c) => (c.field === 'counterparties' ? { field: c.field, from: company(c.from), to: company(c.to) } : c));
}

/**
 * A template as saved by the template editor: variable names are unique and every `{{name}}` of the body is
 * declared (otherwise drafting from it would fail later); 422 with paths `variables.<i>.name` / `body`.
 */
export function checkTemplate(t: { variables: Array<{ name: string }>; body: string }): void {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  t.variables.forEach((v, i) => {
    if (seen.has(v.name)) errors.push({ path: `variables.${i}.name`, code: 'template_variable_duplicate' });
    seen.add(v.name);
  });
  const undeclared = variablesIn(t.body).filter((n) => !seen.has(n));
  if (undeclared.length) errors.push({ path: 'body', code: 'template_variable_undeclared_named', params: { names: [...new Set(undeclared)].join(', ') } });
  if (errors.length) throw invalid(errors);
}
