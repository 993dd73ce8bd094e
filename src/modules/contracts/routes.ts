import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../platform/http/app.js';
import { MAX_UPLOAD_BYTES } from '../../platform/http/app.js';
import { AppError, fieldError } from '../../platform/http/errors.js';
import { sniffUpload, tooLarge } from '../../platform/files.js';
import { authOf, requireFreshAuth, requireTenant } from '../security/guard.js';
import { toCsv } from '../access/routes.js';
import type { ContractsService, Upload } from './service.js';
import type { AuthenticationResponseJSON } from '../security/webauthn.js';
import {
  archiveInput, codeInput, declineInput, passkeyInput, createContract, createTemplate, decisionInput, listQuery, settingsInput, signersInput,
  startSigning, updateContract, workflowInput, attachmentParams,
} from './schema.js';
import { fieldDefinitionsInput } from './fields.js';

const idParam = z.object({ id: z.uuid() });
const tags = ['contracts'];

/** The list filters without paging, plus the format (CSV only for now). */
const exportQuery = listQuery.omit({ page: true, pageSize: true }).extend({ format: z.enum(['csv']).default('csv') });

const EXPORT_HEADER = {
  zh: ['合同编号', '标题', '类型', '状态', '密级', '相对方', '金额（元）', '币种', '签订日期', '开始日期', '结束日期', '自动续约', '负责人', '部门', '标签', '归档编号', '创建时间', '更新时间'],
  en: ['number', 'title', 'type', 'status', 'sensitivity', 'counterparties', 'amount', 'currency', 'signing_date', 'start_date', 'end_date', 'auto_renew', 'owner', 'department', 'tags', 'archive_number', 'created_at', 'updated_at'],
};

/** Integer fen → "1234.50" (exact, no floating point). */
const yuanText = (fen: number | null) => (fen === null ? '' : `${Math.trunc(fen / 100)}.${String(fen % 100).padStart(2, '0')}`);

async function fileOf(req: FastifyRequest): Promise<Upload> {
  const announced = Number(req.headers['content-length'] ?? 0);
  if (announced > MAX_UPLOAD_BYTES + 64 * 1024) throw tooLarge('file', MAX_UPLOAD_BYTES);
  if (!req.isMultipart()) throw new AppError(415, 'unsupported_content_type');
  const part = await req.file();
  if (!part || part.fieldname !== 'file') throw fieldError('file', 'required');
  return { stream: part.file, filename: part.filename };
}

function contentDisposition(filename: string): string {
  return `attachment; filename="${filename.replace(/[^\x20-\x7E]/g, '_').replace(/"/g, '')}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function contractsRoutes(app: App, svc: ContractsService): void {
  const pre = { preHandler: requireTenant };
  const upload = { ...pre, bodyLimit: MAX_UPLOAD_BYTES + 1024 * 1024 };

  app.get('/api/v1/contract-templates', { ...pre, schema: { tags, summary: 'Contract templates with typed variables' } }, async (req) => svc.templates(authOf(req)));
  app.post('/api/v1/contract-templates', { ...pre, schema: { tags, summary: 'Create a template (templates.manage)', body: createTemplate } }, async (req, reply) => {
    reply.status(201).send(await svc.createTemplate(authOf(req), req.body, req.meta));
  });

  app.put('/api/v1/contract-templates/:id', { ...pre, schema: { tags, summary: 'Change a template (templates.manage)', params: idParam, body: createTemplate } }, async (req) =>
    svc.updateTemplate(authOf(req), req.params.id, req.body, req.meta),
  );

  app.get('/api/v1/contracts', { ...pre, schema: { tags, summary: 'List and search contracts (Chinese full text on title, parties, number and body)', querystring: listQuery } }, async (req) =>
    svc.list(authOf(req), req.query, req.meta),
  );
  app.post('/api/v1/contracts', { ...pre, schema: { tags, summary: 'Create a draft (from a body or a template with values); numbered by the tenant scheme (default HT-{YYYY}-{seq:5})', body: createContract } }, async (req, reply) => {
    reply.status(201).send(await svc.create(authOf(req), req.body, req.meta));
  });
  app.get(
    '/api/v1/contracts/export',
    {
      // Downloading an export is a sensitive action: a sign-in or re-authentication within the last minutes.
      preHandler: [requireTenant, requireFreshAuth()],
      // data.export stays usable while the tenant is restricted (read-only) or suspended (billing and export only).
      config: { tenantState: 'billing' },
      schema: { tags, summary: 'Export the contracts matching the list filters as CSV (UTF-8 with BOM; data.export; only what you may see; audited)', querystring: exportQuery },
    },
    async (req, reply) => {
      const { format: _format, ...filters } = req.query;
      const rows = await svc.exportRows(authOf(req), filters, req.meta);
      const en = req.locale === 'en';
      const csv = toCsv(
        EXPORT_HEADER[en ? 'en' : 'zh'],
        rows.map((c) => [
          c.number, c.title, c.type, c.status, c.sensitivity, c.counterparties.map((p) => p.name).join('; '), yuanText(c.amountFen), c.currency,
          c.signingDate, c.startDate, c.endDate, c.autoRenew ? (en ? 'yes' : '是') : (en ? 'no' : '否'), c.ownerName, c.departmentName, c.tags.join('; '),
          c.archiveNumber, c.createdAt, c.updatedAt,
        ]),
      );
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="contracts-${new Date().toISOString().slice(0, 10)}.csv"`)
        .header('cache-control', 'private, no-store');
      return reply.send(csv);
    },
  );
  app.get('/api/v1/contracts/:id', { ...pre, schema: { tags, summary: 'A contract with its current body, approval, signers, seal and attachments (audited)', params: idParam } }, async (req) =>
    svc.get(authOf(req), req.params.id, req.meta),
  );
  app.delete('/api/v1/contracts/:id', { ...pre, schema: { tags, summary: 'Delete a draft (contracts.delete_draft): the contract, its versions and attachments are removed; the audit log keeps the record', params: idParam } }, async (req) =>
    svc.deleteDraft(authOf(req), req.params.id, req.meta),
  );
  app.patch('/api/v1/contracts/:id', { ...pre, schema: { tags, summary: 'Change fields and/or the body; after approval (approved, signing) any change is a new version, voids the signatures so far and goes back to approval', params: idParam, body: updateContract } }, async (req) =>
    svc.update(authOf(req), req.params.id, req.body, req.meta),
  );
  app.put('/api/v1/contracts/:id/import', { ...upload, schema: { tags, summary: 'Replace the body with the text of a DOCX or PDF (new version)', params: idParam, consumes: ['multipart/form-data'] } }, async (req) =>
    svc.importFile(authOf(req), req.params.id, await fileOf(req), req.meta),
  );
  app.get('/api/v1/contracts/:id/versions', { ...pre, schema: { tags, summary: 'Versions (newest first)', params: idParam } }, async (req) => svc.versions(authOf(req), req.params.id, req.meta));
  app.get(
    '/api/v1/contracts/:id/versions/:version',
    { ...pre, schema: { tags, summary: 'The body of one version (audited)', params: z.object({ id: z.uuid(), version: z.coerce.number().int().min(1) }) } },
    async (req) => svc.version(authOf(req), req.params.id, req.params.version, req.meta),
  );
  app.get(
    '/api/v1/contracts/:id/diff',
    {
      ...pre,
      schema: {
        tags,
        summary: 'A readable diff between two versions (line or word level)',
        params: idParam,
        querystring: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1), mode: z.enum(['line', 'word']).default('word') }),
      },
    },
    async (req) => svc.diff(authOf(req), req.params.id, req.query.from, req.query.to, req.query.mode, req.meta),
  );
  app.post('/api/v1/contracts/:id/attachments', { ...upload, schema: { tags, summary: 'Attach a file (PDF, DOCX, XLSX, JPEG, PNG by content; encrypted)', params: idParam, consumes: ['multipart/form-data'] } }, async (req, reply) => {
    reply.status(201).send(await svc.addAttachment(authOf(req), req.params.id, await fileOf(req), req.meta));
  });
  app.get(
    '/api/v1/contracts/:id/attachments/:attachmentId',
    { ...pre, schema: { tags, summary: 'Download an attachment (audited; PDFs watermarked when the tenant wants it)', params: z.object({ id: z.uuid(), attachmentId: z.uuid() }) } },
    async (req, reply) => {
      const f = await svc.download(authOf(req), req.params.id, req.params.attachmentId, req.meta);
      reply.header('content-type', f.mime).header('content-disposition', contentDisposition(f.filename)).header('cache-control', 'no-store').send(f.content);
    },
  );
  app.delete(
    '/api/v1/contracts/:id/attachments/:attachmentId',
    { ...pre, schema: { tags, summary: 'Remove an attachment (kept on record); after approval the contract goes back to approval', params: attachmentParams } },
    async (req) => svc.removeAttachment(authOf(req), req.params.id, req.params.attachmentId, req.meta),
  );
  app.get('/api/v1/contracts/:id/sealed.pdf', { ...pre, schema: { tags, summary: 'Download the sealed final PDF (audited)', params: idParam } }, async (req, reply) => {
    const f = await svc.download(authOf(req), req.params.id, 'sealed', req.meta);
    reply.header('content-type', f.mime).header('content-disposition', contentDisposition(f.filename)).header('cache-control', 'no-store').send(f.content);
  });
  app.get('/api/v1/contracts/:id/audit', { ...pre, schema: { tags, summary: 'The audit trail of a contract', params: idParam } }, async (req) => svc.auditTrail(authOf(req), req.params.id, req.meta));

  app.post('/api/v1/contracts/:id/submit', { ...pre, schema: { tags, summary: 'Submit for approval', params: idParam } }, async (req) => svc.submit(authOf(req), req.params.id, req.meta));
  for (const decision of ['approve', 'return', 'reject'] as const) {
    app.post(
      `/api/v1/contracts/:id/${decision}`,
      { ...pre, schema: { tags, summary: `${decision} (current approval step; return/reject need a comment)`, params: idParam, body: decisionInput } },
      async (req) => svc.decide(authOf(req), req.params.id, decision, req.body?.comment, req.meta),
    );
  }
  for (const to of ['withdraw', 'terminate'] as const) {
    app.post(`/api/v1/contracts/:id/${to}`, { ...pre, schema: { tags, summary: `${to} the contract`, params: idParam } }, async (req) =>
      svc.transition(authOf(req), req.params.id, to === 'withdraw' ? 'withdrawn' : 'terminated', req.meta),
    );
  }
  app.post('/api/v1/contracts/:id/archive', { ...pre, schema: { tags, summary: 'Archive a signed, terminated or expired contract (archive number, retention period; immutable afterwards)', params: idParam, body: archiveInput } }, async (req) =>
    svc.archive(authOf(req), req.params.id, req.body ?? {}, req.meta),
  );
  app.put('/api/v1/contracts/:id/signers', { ...pre, schema: { tags, summary: 'Set signers (sequential steps, parallel within a step)', params: idParam, body: signersInput } }, async (req) =>
    svc.setSigners(authOf(req), req.params.id, req.body.signers, req.meta),
  );
  app.post('/api/v1/contracts/:id/signing', { ...pre, schema: { tags, summary: 'Start signing; links expire at the end of the deadline day (tenant zone)', params: idParam, body: startSigning } }, async (req) =>
    svc.startSigning(authOf(req), req.params.id, req.body.deadline, req.meta),
  );
  app.post('/api/v1/contracts/:id/sign/code', { ...pre, schema: { tags, summary: 'Internal signer: e-mail a 6-digit code (10 minutes)', params: idParam } }, async (req, reply) => {
    reply.status(202).send(await svc.requestInternalCode(authOf(req), req.params.id));
  });
  app.post('/api/v1/contracts/:id/sign/passkey/options', { ...pre, schema: { tags, summary: 'Internal signer with a passkey: WebAuthn options whose challenge binds the document hash, signer and time (single use, 5 minutes)', params: idParam } }, async (req) =>
    svc.passkeySignOptions(authOf(req), req.params.id),
  );
  app.post('/api/v1/contracts/:id/sign/passkey', { ...pre, schema: { tags, summary: 'Internal signer: sign with a passkey assertion (method passkey)', params: idParam, body: passkeyInput } }, async (req) =>
    // The browser's WebAuthn JSON is verified cryptographically by @simplewebauthn/server.
    svc.signWithPasskey(authOf(req), req.params.id, req.body.response as unknown as AuthenticationResponseJSON, req.meta),
  );
  app.post('/api/v1/contracts/:id/sign', { ...pre, schema: { tags, summary: 'Internal signer: sign with the e-mail code', params: idParam, body: codeInput } }, async (req) =>
    svc.signInternal(authOf(req), req.params.id, req.body.code, req.meta),
  );
  app.post('/api/v1/contracts/:id/decline', { ...pre, schema: { tags, summary: 'Internal signer: decline to sign (reason required); the contract goes back to approved', params: idParam, body: declineInput } }, async (req) =>
    svc.declineInternal(authOf(req), req.params.id, req.body.reason, req.meta),
  );

  app.get('/api/v1/contract-workflow', { ...pre, schema: { tags, summary: 'The active approval workflow' } }, async (req) => svc.workflow(authOf(req)));
  app.put('/api/v1/contract-workflow', { ...pre, schema: { tags, summary: 'Replace the approval workflow (templates.manage)', body: workflowInput } }, async (req) =>
    svc.setWorkflow(authOf(req), req.body, req.meta),
  );
  app.get('/api/v1/contract-settings', { ...pre, schema: { tags, summary: 'Contract settings of the tenant' } }, async (req) => svc.settings(authOf(req)));
  app.patch('/api/v1/contract-settings', { ...pre, schema: { tags, summary: 'Change contract settings (watermark, retention, reminders, number schemes)', body: settingsInput } }, async (req) =>
    svc.saveSettings(authOf(req), req.body, req.meta),
  );
  app.get('/api/v1/contract-dashboard', { ...pre, schema: { tags, summary: 'Counts by status, expiring soon, my approvals (contracts.view)' } }, async (req) => svc.dashboard(authOf(req)));
  app.get('/api/v1/contract-analytics', { ...pre, schema: { tags, summary: 'Signed amount by month and by type over 12 months (analytics.view, module analytics)' } }, async (req) => svc.analytics(authOf(req)));
  app.get('/api/v1/contract-notifications', { ...pre, schema: { tags, summary: 'My in-app notifications' } }, async (req) => svc.notifications(authOf(req)));
  app.get('/api/v1/contract-notifications/unread-count', { ...pre, schema: { tags, summary: 'How many of my notifications are unread' } }, async (req) => svc.unreadNotifications(authOf(req)));
  app.post('/api/v1/contract-notifications/:id/read', { ...pre, schema: { tags, summary: 'Mark one of my notifications read', params: idParam } }, async (req) =>
    svc.markNotificationsRead(authOf(req), req.params.id, req.meta),
  );
  app.post('/api/v1/contract-notifications/read-all', { ...pre, schema: { tags, summary: 'Mark all my notifications read' } }, async (req) => svc.markNotificationsRead(authOf(req), null, req.meta));

  app.get('/api/v1/contract-fields', { ...pre, schema: { tags, summary: 'Custom field definitions of the tenant' } }, async (req) => svc.fieldDefinitions(authOf(req)));
  app.put('/api/v1/contract-fields', { ...pre, schema: { tags, summary: 'Replace the custom field definitions (templates.manage)', body: fieldDefinitionsInput } }, async (req) =>
    svc.setFieldDefinitions(authOf(req), req.body.fields, req.meta),
  );
  app.get('/api/v1/contract-people', { ...pre, schema: { tags, summary: 'Active users by name, with whether they may sign or approve (for pickers)', querystring: z.object({ q: z.string().trim().max(50).optional() }) } }, async (req) =>
    svc.people(authOf(req), req.query.q || undefined),
  );
  app.get('/api/v1/contract-departments', { ...pre, schema: { tags, summary: 'Departments by name (for a contract’s department)' } }, async (req) => svc.departments(authOf(req)));
  app.post('/api/v1/contracts/:id/follow', { ...pre, schema: { tags, summary: 'Follow a contract (expiry and renewal reminders)', params: idParam } }, async (req) =>
    svc.follow(authOf(req), req.params.id, true, req.meta),
  );
  app.delete('/api/v1/contracts/:id/follow', { ...pre, schema: { tags, summary: 'Stop following a contract', params: idParam } }, async (req) =>
    svc.follow(authOf(req), req.params.id, false, req.meta),
  );

  // ------------------------------------------------------------------ public
  const ptags = ['public: signing and verification'];
  const tokenParam = z.object({ token: z.string().min(40).max(200) });
  app.get('/api/v1/public/sign/:token', { schema: { tags: ptags, summary: 'A counterparty signer’s view of the contract', params: tokenParam }, config: { rateLimit: { max: 60, timeWindow: '10 minutes' } } }, async (req) =>
    svc.publicView(req.params.token, req.meta),
  );
  app.post('/api/v1/public/sign/:token/code', { schema: { tags: ptags, summary: 'E-mail the signer a 6-digit code', params: tokenParam }, config: { rateLimit: { max: 10, timeWindow: '1 hour' } } }, async (req, reply) => {
    reply.status(202).send(await svc.publicRequestCode(req.params.token));
  });
  app.post('/api/v1/public/sign/:token', { schema: { tags: ptags, summary: 'Sign with the code', params: tokenParam, body: codeInput }, config: { rateLimit: { max: 20, timeWindow: '10 minutes' } } }, async (req) =>
    svc.publicSign(req.params.token, req.body.code, req.meta),
  );
  app.post('/api/v1/public/sign/:token/decline', { schema: { tags: ptags, summary: 'Decline to sign (reason required)', params: tokenParam, body: declineInput }, config: { rateLimit: { max: 20, timeWindow: '10 minutes' } } }, async (req) =>
    svc.publicDecline(req.params.token, req.body.reason, req.meta),
  );
  app.get('/api/v1/public/seal-certificate', { schema: { tags: ptags, summary: 'The platform seal certificate (PEM)' } }, async (_req, reply) => {
    reply.header('content-type', 'application/x-pem-file').send(svc.sealCertificate());
  });
  app.post(
    '/api/v1/public/verify',
    { schema: { tags: ptags, summary: 'Is this PDF exactly a document sealed by Pactum? (multipart field `file`)', consumes: ['multipart/form-data'] }, bodyLimit: MAX_UPLOAD_BYTES + 1024 * 1024, config: { rateLimit: { max: 30, timeWindow: '10 minutes' } } },
    async (req) => {
      const f = await fileOf(req);
      const sniffed = await sniffUpload(f.stream, { field: 'file', allowed: ['application/pdf'], maxBytes: MAX_UPLOAD_BYTES });
      const chunks: Buffer[] = [];
      for await (const ch of sniffed.stream) chunks.push(ch as Buffer);
      return svc.verify(Buffer.concat(chunks), req.meta);
    },
  );
}
