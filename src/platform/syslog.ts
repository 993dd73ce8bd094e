import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';

/**
 * A minimal RFC 5424 syslog sender over UDP (RFC 5426, one message per datagram) or TCP (RFC 6587
 * octet counting). Configured by a URL: `udp://host:514` or `tcp://host:601`.
 */
export interface SyslogTarget {
  protocol: 'udp' | 'tcp';
  host: string;
  port: number;
}

export function parseSyslogUrl(url: string): SyslogTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid syslog URL: ${url}`);
  }
  const protocol = u.protocol.replace(':', '');
  if (protocol !== 'udp' && protocol !== 'tcp') throw new Error(`syslog URL must be udp:// or tcp://, got ${url}`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new Error(`syslog URL has no host: ${url}`);
  return { protocol, host, port: u.port ? Number(u.port) : protocol === 'udp' ? 514 : 601 };
}

/** SD-PARAM values escape `"`, `\` and `]` (RFC 5424 §6.3.3). */
const sdEscape = (v: string) => v.replace(/["\\\]]/g, (c) => `\\${c}`);
/** Header fields are printable US-ASCII without spaces; NILVALUE "-" when empty. */
const field = (v: string | undefined, max: number) => (v ? v.replace(/[^\x21-\x7e]/g, '_').slice(0, max) : '-');

export interface SyslogMessage {
  /** RFC 5424 facility (13 = log audit) and severity (6 = informational). */
  facility?: number;
  severity?: number;
  timestamp?: Date;
  appName?: string;
  msgId?: string;
  /** One SD-ELEMENT: id (e.g. `pactum@32473`) and its params. */
  structured?: { id: string; params: Record<string, string | number> };
  msg: string;
}

export function formatRfc5424(m: SyslogMessage): string {
  const pri = (m.facility ?? 13) * 8 + (m.severity ?? 6);
  const ts = (m.timestamp ?? new Date()).toISOString();
  const sd = m.structured
    ? `[${m.structured.id}${Object.entries(m.structured.params)
        .map(([k, v]) => ` ${k}="${sdEscape(String(v))}"`)
        .join('')}]`
    : '-';
  return `<${pri}>1 ${ts} ${field(os.hostname(), 255)} ${field(m.appName ?? 'pactum', 48)} ${field(String(process.pid), 128)} ${field(m.msgId, 32)} ${sd} ${m.msg}`;
}

/** Sends the messages (in order); rejects when the target cannot be reached (TCP) or the send fails. */
export async function sendSyslog(target: SyslogTarget, messages: SyslogMessage[], timeoutMs = 5000): Promise<void> {
  if (!messages.length) return;
  const lines = messages.map(formatRfc5424);
  if (target.protocol === 'udp') {
    const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
    try {
      for (const line of lines) {
        await new Promise<void>((resolve, reject) => socket.send(Buffer.from(line, 'utf8'), target.port, target.host, (err) => (err ? reject(err) : resolve())));
      }
    } finally {
      socket.close();
    }
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const socket = net.createConnection({ host: target.host, port: target.port });
    const timer = setTimeout(() => socket.destroy(new Error('syslog timeout')), timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('connect', () => {
      const payload = lines.map((l) => `${Buffer.byteLength(l, 'utf8')} ${l}`).join('');
      socket.end(payload, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  });
}
