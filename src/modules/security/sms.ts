import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

export interface SmsMessage {
  to: string;
  text: string;
}

/** Sends text messages. Deployments plug a carrier gateway in here; the default writes files. */
export interface SmsProvider {
  send(msg: SmsMessage): Promise<void>;
  readonly target: string;
}

/** Writes every message to `<data dir>/outbox/sms/<time>-<id>.txt` (To: line, blank line, text). */
export function fileSmsProvider(dataDir: string): SmsProvider {
  const dir = path.join(dataDir, 'outbox', 'sms');
  return {
    target: dir,
    async send(msg) {
      fs.mkdirSync(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      fs.writeFileSync(path.join(dir, `${stamp}-${crypto.randomBytes(4).toString('hex')}.txt`), `To: ${msg.to}\n\n${msg.text}\n`, { mode: 0o600 });
    },
  };
}

/** 138****5678 */
export function phoneHint(phone: string): string {
  const d = phone.replace(/\D/g, '');
  return d.length >= 7 ? `${d.slice(0, 3)}****${d.slice(-4)}` : '****';
}
