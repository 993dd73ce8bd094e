import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromBuffer } from 'file-type';
import { AppError, fieldError } from './http/errors.js';
import type { KeyOwner } from './crypto.js';

/**
 * Encrypted blob storage on the local file system: `<data dir>/blobs/<owner>/<aa>/<id>`, where owner is
 * `platform` or the tenant id. Blobs are written encrypted by a stream (never held whole in memory) and
 * named by random ids; metadata lives in the owning module's table.
 */
export class BlobStore {
  constructor(private readonly root: string) {}

  private dir(owner: KeyOwner): string {
    return path.join(this.root, owner === 'platform' ? 'platform' : owner.tenantId);
  }

  pathOf(owner: KeyOwner, id: string): string {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error('invalid blob id');
    return path.join(this.dir(owner), id.slice(0, 2), id);
  }

  async read(owner: KeyOwner, id: string): Promise<Buffer> {
    return fs.promises.readFile(this.pathOf(owner, id));
  }

  async remove(owner: KeyOwner, id: string): Promise<void> {
    await fs.promises.rm(this.pathOf(owner, id), { force: true });
  }

  /** Streams `source` through `encrypter` into a new blob; removes the partial file on any failure. */
  async write(owner: KeyOwner, source: Readable, encrypter: Transform): Promise<string> {
    const id = crypto.randomUUID();
    const file = this.pathOf(owner, id);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.part`;
    try {
      await pipeline(source, encrypter, fs.createWriteStream(tmp, { mode: 0o600 }));
      await fs.promises.rename(tmp, file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
    return id;
  }
}

export interface SniffedUpload {
  /** The whole upload again (sniffed head first), to be piped on. */
  stream: Readable;
  mime: string;
  ext: string;
  /** Filled in while the stream is consumed. */
  stats: { size: number; sha256: string };
}

const SNIFF_BYTES = 4100;

/**
 * Decides a file's type from its content (file-type's magic numbers), never from its name, by reading
 * only the first few KiB; then hands back a stream of the whole file that counts bytes, hashes them and
 * fails with 413 past `maxBytes`. Refused types answer 415, an empty file 422.
 */
export async function sniffUpload(
  source: Readable,
  opts: { field: string; allowed: readonly string[]; maxBytes: number },
): Promise<SniffedUpload> {
  const head: Buffer[] = [];
  let headLen = 0;
  let ended = false;
  const iterator = source[Symbol.asyncIterator]();
  while (headLen < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = Buffer.from(next.value as Buffer);
    head.push(chunk);
    headLen += chunk.length;
  }
  const headBuf = Buffer.concat(head);
  if (headBuf.length === 0) {
    throw fieldError(opts.field, 'file_empty');
  }
  const detected = await fileTypeFromBuffer(headBuf);
  if (!detected || !opts.allowed.includes(detected.mime)) {
    drain(iterator);
    throw new AppError(415, 'file_type_refused', { allowed: opts.allowed.join(', '), detected: detected?.mime ?? 'unknown' }, [
      { path: opts.field, code: 'file_type_refused', params: { allowed: opts.allowed.join(', '), detected: detected?.mime ?? 'unknown' } },
    ]);
  }
  const stats = { size: 0, sha256: '' };
  const maxBytes = opts.maxBytes;
  async function* whole(): AsyncGenerator<Buffer> {
    const hash = crypto.createHash('sha256');
    let size = 0;
    const take = (b: Buffer) => {
      size += b.length;
      if (size > maxBytes) throw tooLarge(opts.field, maxBytes);
      hash.update(b);
      return b;
    };
    yield take(headBuf);
    if (!ended) {
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        yield take(Buffer.from(next.value as Buffer));
      }
    }
    // Busboy marks a file cut at its limit as truncated instead of failing.
    if ((source as Readable & { truncated?: boolean }).truncated) throw tooLarge(opts.field, maxBytes);
    stats.size = size;
    stats.sha256 = hash.digest('hex');
  }
  return { stream: Readable.from(whole(), { objectMode: false }), mime: detected.mime, ext: detected.ext, stats };
}

export function tooLarge(field: string, maxBytes: number): AppError {
  const limit = `${Math.round(maxBytes / 1024 / 1024)} MiB`;
  return new AppError(413, 'payload_too_large', { limit }, [{ path: field, code: 'file_too_large', params: { limit } }]);
}

function drain(iterator: AsyncIterator<unknown>): void {
  (async () => {
    try {
      for (;;) if ((await iterator.next()).done) break;
    } catch {
      /* the client went away */
    }
  })();
}
