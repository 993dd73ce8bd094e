import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import PDFDocument from 'pdfkit';
import { SignPdf } from '@signpdf/signpdf';
import { P12Signer } from '@signpdf/signer-p12';
import { plainAddPlaceholder } from '@signpdf/placeholder-plain';

/**
 * The platform seal: a self-issued certificate (RSA 2048, 10 years) generated once into
 * `<data dir>/seal/` (seal.p12 with a random passphrase in seal.pass, mode 0600; seal.pem public), used
 * to put one PDF signature (adbe.pkcs7.detached) over every final contract PDF.
 */
export interface SealCert {
  p12: Buffer;
  passphrase: string;
  certPem: string;
  fingerprint: string;
}

const FONT = path.resolve(import.meta.dirname, '../../../node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf');

let cached: { dir: string; cert: SealCert } | null = null;

export function loadSealCert(dataDir: string): SealCert {
  const dir = path.join(dataDir, 'seal');
  if (cached?.dir === dir) return cached.cert;
  const p12File = path.join(dir, 'seal.p12');
  const passFile = path.join(dir, 'seal.pass');
  const pemFile = path.join(dir, 'seal.pem');
  if (!fs.existsSync(p12File)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    cert.serialNumber = '01' + crypto.randomBytes(8).toString('hex');
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
    const attrs = [
      { name: 'commonName', value: 'Pactum Platform Seal' },
      { name: 'organizationName', value: 'Pactum' },
      { name: 'countryName', value: 'CN' },
    ];
    cert.setSubject(attrs);
    cert.setIssuer(attrs);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
    ]);
    cert.sign(key, forge.md.sha256.create());
    const passphrase = crypto.randomBytes(24).toString('base64url');
    const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], passphrase, { algorithm: '3des' });
    const tmp = `${p12File}.${process.pid}.tmp`;
    fs.writeFileSync(passFile, passphrase, { mode: 0o600 });
    fs.writeFileSync(pemFile, forge.pki.certificateToPem(cert), { mode: 0o644 });
    fs.writeFileSync(tmp, Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'), { mode: 0o600 });
    fs.renameSync(tmp, p12File);
  }
  const certPem = fs.readFileSync(pemFile, 'utf8');
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(certPem))).getBytes(), 'binary');
  const cert: SealCert = {
    p12: fs.readFileSync(p12File),
    passphrase: fs.readFileSync(passFile, 'utf8').trim(),
    certPem,
    fingerprint: crypto.createHash('sha256').update(der).digest('hex'),
  };
  cached = { dir, cert };
  return cert;
}

export interface SignatureLine {
  name: string;
  party: string;
  method: string;
  signedAt: Date;
  ip: string | null;
  /** For passkey signatures: the credential that signed (its assertion is kept with the signer record). */
  credentialId?: string | null;
}

/** How a signer confirmed, as printed on the seal: passkey (signer-controlled key) or an e-mail code. */
export function methodLabel(method: string): string {
  if (method === 'passkey') return '通行密钥 Passkey (WebAuthn)';
  if (method === 'email_code') return '邮件验证码 E-mail code';
  return method;
}
export interface AuditLine {
  at: Date;
  action: string;
  actor: string;
  ip: string | null;
  userAgent: string | null;
  method?: string | null;
}

function render(draw: (doc: PDFKit.PDFDocument) => void, info: { title: string; at: Date }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: info.title, Creator: 'Pactum', CreationDate: info.at } });
    const chunks: Buffer[] = [];
    doc.on('data', (b: Buffer) => chunks.push(b));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('cjk', FONT);
    doc.font('cjk');
    draw(doc);
    doc.end();
  });
}

/** A time as printed on the seal pages: in the tenant's zone, with the zone's offset. */
export function zonedTime(d: Date, zone = 'Asia/Shanghai'): string {
  const offset = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  return `${new Intl.DateTimeFormat('zh-CN', { timeZone: zone, dateStyle: 'medium', timeStyle: 'medium', hour12: false }).format(d)} (${offset.replace('GMT', 'UTC') || 'UTC'}, ${zone})`;
}

/** An attachment that is part of the signed contract: listed with its SHA-256 on the audit certificate. */
export interface AttachmentLine {
  filename: string;
  sizeBytes: number;
  sha256: string;
}

function drawBody(doc: PDFKit.PDFDocument, c: { number: string; title: string; body: string }) {
  doc.fontSize(9).fillColor('#666').text(`合同编号 / No. ${c.number}`, { align: 'right' }).fillColor('#000');
  doc.fontSize(16).text(c.title, { align: 'center' }).moveDown();
  doc.fontSize(10.5);
  for (const line of c.body.split('\n')) {
    if (line.trim() === '') doc.moveDown(0.5);
    else doc.text(line, { lineGap: 2 });
  }
}

/** The contract as signed: the final version's text. Its SHA-256 is the "original" hash. */
export function renderContractPdf(c: { number: string; title: string; body: string; at: Date }): Promise<Buffer> {
  return render((doc) => drawBody(doc, c), { title: c.title, at: c.at });
}

/**
 * The final document: the contract, a signature page and an audit certificate page, then one PDF
 * signature with the platform seal over the whole file.
 */
export async function sealPdf(
  c: { number: string; title: string; body: string; at: Date; originalSha256: string; zone?: string; bodySha256?: string; version?: number; attachments?: AttachmentLine[] },
  signatures: SignatureLine[],
  events: AuditLine[],
  cert: SealCert,
): Promise<Buffer> {
  const pdf = await render(
    (doc) => {
      drawBody(doc, c);
      doc.addPage();
      doc.fontSize(15).text('签署页 / Signature page', { align: 'center' }).moveDown();
      doc.fontSize(10.5);
      for (const s of signatures) {
        doc.text(`${s.party}：${s.name}`);
        doc.fontSize(9).fillColor('#444').text(`签署时间 Signed at: ${zonedTime(s.signedAt, c.zone)}   方式 Method: ${methodLabel(s.method)}   IP: ${s.ip ?? '-'}`);
        doc.fillColor('#000').fontSize(10.5).moveDown(0.6);
      }
      doc.addPage();
      doc.fontSize(15).text('审计证书 / Audit certificate', { align: 'center' }).moveDown();
      doc.fontSize(9);
      doc.text(`合同编号 No.: ${c.number}`);
      doc.text(`原文 SHA-256 (original): ${c.originalSha256}`);
      if (c.bodySha256) doc.text(`正文 SHA-256 (body text, version ${c.version ?? '-'}; bound by passkey signatures): ${c.bodySha256}`);
      doc.text(`平台印章证书 Seal certificate SHA-256: ${cert.fingerprint}`).moveDown();
      const atts = c.attachments ?? [];
      doc.text(`合同附件 / Attachments (${atts.length})`);
      if (!atts.length) doc.text('  —');
      for (const a of atts) doc.text(`  ${a.filename} (${a.sizeBytes} bytes)  SHA-256 ${a.sha256}`);
      doc.moveDown();
      doc.text('签署方式 / Signing methods');
      for (const s of signatures) {
        doc.text(`  ${s.party}：${s.name} — ${methodLabel(s.method)}${s.credentialId ? `  (credential ${s.credentialId})` : ''}`);
      }
      doc.moveDown();
      for (const e of events) {
        doc.text(`${zonedTime(e.at, c.zone)}  ${e.action}  ${e.actor}${e.method ? `  [${e.method}]` : ''}`);
        doc.fillColor('#555').text(`    IP ${e.ip ?? '-'} · ${e.userAgent ?? '-'}`).fillColor('#000');
      }
    },
    { title: c.title, at: c.at },
  );
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: pdf,
    reason: `Pactum seal ${c.number}`,
    contactInfo: 'Pactum',
    name: 'Pactum Platform Seal',
    location: 'CN',
    signingTime: c.at,
    signatureLength: 8192,
  });
  const signer = new P12Signer(cert.p12, { passphrase: cert.passphrase });
  return new SignPdf().sign(withPlaceholder, signer, c.at);
}

/** The signature value is zero-padded to the placeholder size: parse the DER and ignore the padding. */
const fromDerLenient = forge.asn1.fromDer as unknown as (bytes: string, opts: { parseAllBytes: boolean }) => forge.asn1.Asn1;
const fromDerLenientCall = (bytes: string) => fromDerLenient(bytes, { parseAllBytes: false });

export type SignatureCheck = { ok: true; signedAt: Date | null } | { ok: false; reason: string };

/**
 * Checks the (single) PDF signature: the ByteRange covers the whole file except the signature value,
 * the PKCS#7 message digest equals the SHA-256 of those bytes, the signature over the signed attributes
 * verifies, and the signing certificate is the platform seal.
 */
export function checkPdfSignature(pdf: Buffer, cert: SealCert): SignatureCheck {
  const text = pdf.toString('latin1');
  const matches = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  if (matches.length !== 1) return { ok: false, reason: matches.length ? 'multiple_signatures' : 'no_signature' };
  const [a, b, c, d] = matches[0]!.slice(1).map(Number) as [number, number, number, number];
  if (a !== 0 || c + d !== pdf.length || b >= c) return { ok: false, reason: 'byte_range_incomplete' };
  const hex = pdf.subarray(b + 1, c - 1).toString('latin1');
  if (!/^[0-9a-fA-F]+$/.test(hex)) return { ok: false, reason: 'signature_unreadable' };
  try {
    const p7 = forge.pkcs7.messageFromAsn1(fromDerLenientCall(forge.util.hexToBytes(hex))) as unknown as {
      certificates: forge.pki.Certificate[];
      rawCapture: { authenticatedAttributes?: forge.asn1.Asn1[]; signature: string };
    };
    const signerCert = p7.certificates[0];
    if (!signerCert) return { ok: false, reason: 'no_certificate' };
    const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(signerCert)).getBytes(), 'binary');
    if (crypto.createHash('sha256').update(der).digest('hex') !== cert.fingerprint) return { ok: false, reason: 'unknown_certificate' };
    const attrs = p7.rawCapture.authenticatedAttributes ?? [];
    let digest: string | null = null;
    let signedAt: Date | null = null;
    for (const attr of attrs) {
      const seq = attr.value as forge.asn1.Asn1[];
      const oid = forge.asn1.derToOid(seq[0]!.value as string);
      const val = (seq[1]!.value as forge.asn1.Asn1[])[0]!;
      if (oid === forge.pki.oids.messageDigest) digest = val.value as string;
      if (oid === forge.pki.oids.signingTime) signedAt = forge.asn1.utcTimeToDate(val.value as string);
    }
    const content = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
    const actual = crypto.createHash('sha256').update(content).digest('binary');
    if (digest === null || digest !== actual) return { ok: false, reason: 'digest_mismatch' };
    const set = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SET, true, attrs);
    const md = forge.md.sha256.create();
    md.update(forge.asn1.toDer(set).getBytes());
    const ok = (signerCert.publicKey as forge.pki.rsa.PublicKey).verify(md.digest().getBytes(), p7.rawCapture.signature);
    return ok ? { ok: true, signedAt } : { ok: false, reason: 'signature_invalid' };
  } catch {
    return { ok: false, reason: 'signature_unreadable' };
  }
}

/** A diagonal text watermark on every page (pdf-lib, standard font: the viewer's e-mail and time). */
export async function watermarkPdf(pdf: Buffer, text: string): Promise<Buffer> {
  const { PDFDocument: LibDoc, StandardFonts, degrees, rgb } = await import('pdf-lib');
  const doc = await LibDoc.load(pdf, { ignoreEncryption: true });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const ascii = text.replace(/[^\x20-\x7E]/g, '?');
  for (const page of doc.getPages()) {
    const { width, height } = page.getSize();
    page.drawText(ascii, { x: width * 0.12, y: height * 0.35, size: 22, font, color: rgb(0.6, 0.6, 0.6), opacity: 0.3, rotate: degrees(35) });
  }
  return Buffer.from(await doc.save());
}
