import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Tenant the message is about (recorded in a header so that outbox files can be told apart). */
  tenantId?: string;
  attachments?: Array<{ filename: string; content: Buffer; contentType?: string }>;
}

export interface Mailer {
  send(msg: MailMessage): Promise<void>;
  /** Where messages go: `smtp` or the outbox directory. */
  readonly target: string;
}

/**
 * nodemailer over SMTP when SMTP_URL is set; otherwise every message is rendered as a real RFC 5322
 * message and written to `<data dir>/outbox/<time>-<id>.eml`, readable by people and tests.
 */
export function createMailer(opts: { smtpUrl?: string; from: string; dataDir: string; log?: Logger }): Mailer {
  if (opts.smtpUrl) {
    const transport: Transporter = nodemailer.createTransport(opts.smtpUrl);
    return {
      target: 'smtp',
      async send(msg) {
        await transport.sendMail(toNodemailer(msg, opts.from));
        opts.log?.info({ to: redact(msg.to), subject: msg.subject }, 'mail sent');
      },
    };
  }
  const outbox = path.join(opts.dataDir, 'outbox');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    target: outbox,
    async send(msg) {
      const info = await transport.sendMail(toNodemailer(msg, opts.from));
      fs.mkdirSync(outbox, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(outbox, `${stamp}-${crypto.randomBytes(4).toString('hex')}.eml`);
      fs.writeFileSync(file, info.message as Buffer, { mode: 0o600 });
      opts.log?.info({ to: redact(msg.to), subject: msg.subject, file }, 'mail written to outbox');
    },
  };
}

function toNodemailer(msg: MailMessage, from: string) {
  return {
    from,
    to: msg.to,
    subject: msg.subject,
    text: msg.text,
    html: msg.html,
    attachments: msg.attachments,
    headers: msg.tenantId ? { 'X-Pactum-Tenant': msg.tenantId } : undefined,
  };
}

function redact(addr: string): string {
  const [local, domain] = addr.split('@');
  return `${(local ?? '').slice(0, 1)}***@${domain ?? ''}`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Wraps paragraphs in a minimal, escaped HTML layout. */
export function simpleHtml(title: string, paragraphs: string[], link?: { href: string; label: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('\n');
  const button = link
    ? `<p><a href="${escapeHtml(link.href)}" style="display:inline-block;padding:8px 16px;background:#1677ff;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(link.label)}</a></p>`
    : '';
  return `<!doctype html><html><body style="font-family:-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;color:#222"><h2>${escapeHtml(title)}</h2>${body}${button}<p style="color:#888;font-size:12px">Pactum</p></body></html>`;
}
