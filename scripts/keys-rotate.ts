/**
 * npm run keys:rotate -- --master        re-wrap every data key under PACTUM_NEW_MASTER_KEY
 * npm run keys:rotate -- --blind-index   new blind-index root; recompute every blind index
 * npm run keys:rotate                    show the key ids in use
 *
 * Stop the service and back up the database and the old key first (docs/security.md, Key rotation).
 * With --master and no PACTUM_MASTER_KEY (embedded mode, key in <data dir>/master.key) the key file is
 * replaced and the old one kept as master.key.<old id>.retired; otherwise set PACTUM_MASTER_KEY to the new
 * key before the next start.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../src/platform/config.js';
import { createContext } from '../src/platform/context.js';
import { loadMasterKey, masterKeyIdOf } from '../src/platform/crypto.js';
import { rotateBlindIndexKey, rotateMasterKey } from '../src/platform/key-rotation.js';

async function main() {
  const config = loadConfig();
  const ctx = await createContext(config, { log: pino({ level: 'warn' }) });
  const master = loadMasterKey({ masterKey: config.masterKey, dataDir: config.dataDir, embedded: !config.databaseUrl, allowGenerated: true });
  const out = (s: string) => process.stdout.write(`${s}\n`);
  try {
    if (process.argv.includes('--master')) {
      const text = process.env.PACTUM_NEW_MASTER_KEY;
      const fresh = text ? loadMasterKey({ masterKey: text, dataDir: config.dataDir, embedded: true }) : crypto.randomBytes(32);
      if (fresh.equals(master)) throw new Error('the new master key equals the current one');
      const r = await rotateMasterKey(ctx.db, master, fresh);
      out(`re-wrapped ${r.platformKeys} platform key(s) and ${r.tenantKeys} tenant key(s); master key id ${masterKeyIdOf(master)} → ${r.newMasterKeyId}`);
      if (!config.masterKey) {
        const file = path.join(config.dataDir, 'master.key');
        fs.renameSync(file, `${file}.${masterKeyIdOf(master)}.retired`);
        fs.writeFileSync(file, fresh.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
        out(`wrote the new key to ${file}; the old one is ${file}.${masterKeyIdOf(master)}.retired (move it offline)`);
      } else if (!text) {
        out(`new master key (set PACTUM_MASTER_KEY to it before the next start, then destroy this output): ${fresh.toString('base64')}`);
      } else {
        out('set PACTUM_MASTER_KEY to the new key (PACTUM_NEW_MASTER_KEY) before the next start');
      }
    } else if (process.argv.includes('--blind-index')) {
      const r = await rotateBlindIndexKey(ctx.db, ctx.keys, master);
      out(`blind-index key ${r.blindIndexKeyId}: re-indexed ${r.registrations} registration(s) and ${r.contracts} contract(s)`);
      out(`dropped ${r.droppedCodes} pending e-mail/SMS code(s); ${r.recoveryCodeUsers} user(s) must generate new recovery codes`);
    } else {
      out(`master key id ${ctx.keys.masterKeyId}; blind-index key ${ctx.keys.blindIndexKeyId}`);
    }
  } finally {
    await ctx.db.close();
  }
}

main().catch((err) => {
  process.stderr.write(`keys:rotate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
