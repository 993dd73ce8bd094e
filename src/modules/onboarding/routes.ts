import { z } from 'zod';
import type { App } from '../../platform/http/app.js';
import { MAX_UPLOAD_BYTES, limit } from '../../platform/http/app.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import { tooLarge } from '../../platform/files.js';
import { note } from '../../platform/http/fields.js';
import { authOf, requirePlatform } from '../security/guard.js';
import { actorOf } from '../security/service.js';
import { REJECTION_REASONS, STATUSES, registrationInput, registrationOut } from './schema.js';
import type { OnboardingService } from './service.js';
import { REVIEW_ROLES } from './policy.js';

const idParam = z.object({ id: z.uuid() });
const tokenHeader = z.object({ 'x-resume-token': z.string().max(200).optional() });
const tags = ['registration'];

export function onboardingRoutes(app: App, svc: OnboardingService): void {
  app.get(
    '/api/v1/legal/privacy',
    { schema: { tags, summary: 'The privacy terms an applicant consents to (current version)' } },
    async (req) => svc.privacyTerms(req.locale),
  );

  app.post(
    '/api/v1/registrations',
    {
      schema: {
        tags,
        summary: 'Start a registration (draft) from any subset of the fields; returns the resume token once',
        body: registrationInput,
        response: { 201: z.object({ id: z.string(), resumeToken: z.string(), registration: registrationOut }) },
      },
      // Counted after validation (preHandler): a form refused with 422 does not use up the budget of everyone
      // behind the same address (offices and mobile carriers share addresses behind NAT).
      config: { rateLimit: { ...limit(60, '1 hour'), hook: 'preHandler' } },
    },
    async (req, reply) => {
      const r = await svc.create(req.body ?? {}, req.meta, req.locale);
      reply.status(201).send(r);
    },
  );

  app.get(
    '/api/v1/registrations/:id',
    { schema: { tags, summary: 'Read your registration (status and rejection reasons included)', params: idParam, headers: tokenHeader, response: { 200: registrationOut } } },
    async (req) => svc.get(req.params.id, req.headers['x-resume-token'], req.meta),
  );

  app.patch(
    '/api/v1/registrations/:id',
    {
      schema: { tags, summary: 'Update a draft (or a rejected application before resubmitting)', params: idParam, headers: tokenHeader, body: registrationInput, response: { 200: registrationOut } },
    },
    async (req) => svc.update(req.params.id, req.headers['x-resume-token'], req.body ?? {}, req.meta),
  );

  app.put(
    '/api/v1/registrations/:id/license',
    {
      schema: {
        tags,
        summary: 'Upload the business license (multipart field `file`; PDF, JPEG or PNG by content; at most 10 MiB)',
        params: idParam,
        headers: tokenHeader,
        consumes: ['multipart/form-data'],
        response: { 200: registrationOut },
      },
      bodyLimit: MAX_UPLOAD_BYTES + 1024 * 1024,
      // Each upload writes an encrypted file: a ceiling per client keeps the disk safe.
      config: { rateLimit: limit(30, '1 hour') },
    },
    async (req) => {
      // Refuse an announced oversize body before reading any of it.
      const announced = Number(req.headers['content-length'] ?? 0);
      if (announced > MAX_UPLOAD_BYTES + 64 * 1024) throw tooLarge('file', MAX_UPLOAD_BYTES);
      if (!req.isMultipart()) throw new AppError(415, 'unsupported_content_type');
      // Authorise before reading the file.
      await svc.get(req.params.id, req.headers['x-resume-token']);
      const part = await req.file();
      if (!part || part.fieldname !== 'file') throw fieldError('file', 'required');
      return svc.uploadLicense(req.params.id, req.headers['x-resume-token'], { stream: part.file, filename: part.filename }, req.meta);
    },
  );

  app.post(
    '/api/v1/registrations/:id/email-code',
    {
      schema: {
        tags,
        summary: 'Send a 6-digit code to the contact e-mail (valid 10 minutes)',
        params: idParam,
        headers: tokenHeader,
        response: { 202: z.object({ sentTo: z.string(), expiresAt: z.date(), resendAfterSeconds: z.number() }) },
      },
      config: { rateLimit: limit(10, '1 hour') },
    },
    async (req, reply) => {
      reply.status(202).send(await svc.sendEmailCode(req.params.id, req.headers['x-resume-token'], req.meta));
    },
  );

  app.post(
    '/api/v1/registrations/:id/email-code/verify',
    {
      schema: {
        tags,
        summary: 'Verify the contact e-mail with the code (5 attempts per code)',
        params: idParam,
        headers: tokenHeader,
        body: z.object({ code: z.string().trim().regex(/^\d{6}$/, 'code_invalid') }),
        response: { 200: registrationOut },
      },
      config: { rateLimit: limit(20, '10 minutes') },
    },
    async (req) => svc.verifyEmailCode(req.params.id, req.headers['x-resume-token'], req.body.code, req.meta),
  );

  app.post(
    '/api/v1/registrations/:id/submit',
    {
      schema: {
        tags,
        summary: 'Submit for review, consenting to the privacy terms of the given version',
        params: idParam,
        headers: tokenHeader,
        body: z.object({ consentVersion: z.string().min(1).max(32) }),
        response: { 200: registrationOut },
      },
    },
    async (req) => svc.submit(req.params.id, req.headers['x-resume-token'], req.body.consentVersion, req.meta),
  );

  app.post(
    '/api/v1/registrations/:id/withdraw',
    { schema: { tags, summary: 'Withdraw a draft or a pending application', params: idParam, headers: tokenHeader, response: { 200: registrationOut } } },
    async (req) => svc.withdraw(req.params.id, req.headers['x-resume-token'], req.meta),
  );

  // ------------------------------------------------------------------ review console ------------
  const review = requirePlatform(...REVIEW_ROLES);
  const ptags = ['platform: review'];

  app.get(
    '/api/v1/platform/registrations',
    {
      preHandler: review,
      schema: {
        tags: ptags,
        summary: 'The review queue (oldest waiting first), filtered by status and text',
        querystring: z.object({
          status: z.enum([...STATUSES, 'all']).default('submitted'),
          q: z.string().trim().max(100).optional(),
          page: z.coerce.number().int().min(1).default(1),
          pageSize: z.coerce.number().int().min(1).max(100).default(20),
        }),
      },
    },
    async (req) =>
      svc.list(
        { status: req.query.status === 'all' ? null : req.query.status, q: req.query.q || null, page: req.query.page, pageSize: req.query.pageSize },
        actorOf(authOf(req)),
        req.meta,
      ),
  );

  app.get(
    '/api/v1/platform/registrations/:id',
    { preHandler: review, schema: { tags: ptags, summary: 'An application with automated checks, versions and decisions (audited)', params: idParam } },
    async (req) => svc.detail(req.params.id, actorOf(authOf(req)), req.meta),
  );

  app.get(
    '/api/v1/platform/registrations/:id/license',
    {
      preHandler: review,
      schema: {
        tags: ptags,
        summary: 'The business license, inline (each view audited)',
        params: idParam,
        querystring: z.object({ version: z.coerce.number().int().min(1).optional() }),
      },
    },
    async (req, reply) => {
      const f = await svc.license(req.params.id, req.query.version ?? null, actorOf(authOf(req)), req.meta);
      reply
        .header('Content-Type', f.mime)
        .header('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(f.name)}`)
        .header('Cache-Control', 'private, no-store')
        .header('X-Content-Type-Options', 'nosniff')
        .header('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; plugin-types application/pdf; frame-ancestors 'self'")
        .send(f.data);
    },
  );

  app.post(
    '/api/v1/platform/registrations/:id/approve',
    {
      preHandler: review,
      schema: { tags: ptags, summary: 'Approve: provisions the tenant and its first admin in one transaction', params: idParam, body: z.object({ comment: note(2000).default('') }).default({ comment: '' }) },
    },
    async (req) => {
      const auth = authOf(req);
      return svc.approve(req.params.id, { ...actorOf(auth), id: auth.user.id }, req.body.comment, req.meta);
    },
  );

  app.post(
    '/api/v1/platform/registrations/:id/reject',
    {
      preHandler: review,
      schema: {
        tags: ptags,
        summary: 'Reject with one or more reason codes and a comment; the applicant is mailed a link to fix and resubmit',
        params: idParam,
        body: z.object({ reasons: z.array(z.enum(REJECTION_REASONS)).min(1).max(5), comment: note(2000, 1) }),
        response: { 200: registrationOut },
      },
    },
    async (req) => {
      const auth = authOf(req);
      return svc.reject(req.params.id, { ...actorOf(auth), id: auth.user.id }, [...new Set(req.body.reasons)], req.body.comment, req.meta);
    },
  );
}
