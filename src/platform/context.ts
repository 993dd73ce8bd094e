import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/index.js';
import { KeyService, loadMasterKey } from './crypto.js';
import { createMailer, type Mailer } from './mail.js';
import { BlobStore } from './files.js';

/** Everything a module's service needs from the platform, created once per process. */
export interface AppContext {
  config: Config;
  db: Database;
  keys: KeyService;
  mailer: Mailer;
  blobs: BlobStore;
  log: Logger;
  /** The clock (tests move it). */
  now: () => Date;
}

export async function createContext(config: Config, opts: { log?: Logger; memoryDb?: boolean; poolMax?: number } = {}): Promise<AppContext> {
  const log = opts.log ?? pino({ level: config.logLevel });
  // Before the database: a server without its master key refuses to start at once.
  const master = loadMasterKey({
    masterKey: config.masterKey,
    dataDir: config.dataDir,
    embedded: !config.databaseUrl,
    allowGenerated: config.allowGeneratedMasterKey,
    warn: (m) => log.warn(m),
  });
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    databaseAppUrl: config.databaseAppUrl,
    pgliteDir: opts.memoryDb ? null : path.join(config.dataDir, 'pglite'),
    log,
    poolMax: opts.poolMax,
  });
  const keys = new KeyService(master);
  await keys.loadBlindIndexKey(db);
  return {
    config,
    db,
    keys,
    mailer: createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, log }),
    blobs: new BlobStore(path.join(config.dataDir, 'blobs')),
    log,
    now: () => new Date(),
  };
}
