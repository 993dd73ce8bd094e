import { z } from 'zod';
import { checkUscc, cleanText, hasControlCharacters, isValidEmail, normalizeEmail, normalizeMobile } from '../validation.js';

/**
 * Field schemas shared by every module's API. Each normalises its value and reports a failure with a
 * stable code as the issue message (mapped to problem details in http/app.ts).
 */

/** A single-line name, title or address: no control, bidi-override or zero-width characters; NFC, trimmed, inner spaces collapsed. */
export const plainText = (min: number, max: number) =>
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

/** Invisible or direction-changing characters, and control characters other than newline and tab. */
const NOTE_FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060\u2066-\u2069\ufeff]/;

/** Free multi-line text (a comment, a reason): newlines allowed, nothing invisible or direction-changing. */
export const note = (max: number, min = 0) =>
  z
    .string()
    .transform((s, ctx) => {
      if (NOTE_FORBIDDEN.test(s)) {
        ctx.addIssue({ code: 'custom', message: 'control_characters' });
        return z.NEVER;
      }
      return s.normalize('NFC').replace(/\r\n?/g, '\n').trim();
    })
    .pipe(z.string().min(min).max(max));

/** Unified social credit code, normalised (spaces, dashes, full-width, case) and checked (GB 32100-2015). */
export const usccField = z
  .string()
  .max(64)
  .transform((s, ctx) => {
    const r = checkUscc(s);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.code });
      return z.NEVER;
    }
    return r.value;
  });

export const emailField = z
  .string()
  .max(254)
  .transform((s, ctx) => {
    if (!isValidEmail(s)) {
      ctx.addIssue({ code: 'custom', message: 'email_invalid' });
      return z.NEVER;
    }
    return normalizeEmail(s);
  });

/** Mainland China mobile number, stored as E.164 (+86…). */
export const mobileField = z
  .string()
  .max(32)
  .transform((s, ctx) => {
    const r = normalizeMobile(s);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.code });
      return z.NEVER;
    }
    return r.value;
  });
