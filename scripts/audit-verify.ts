/**
 * npm run audit:verify [-- --checkpoint]
 * Verifies every audit chain (hash links, sequence, chain head, last signed checkpoint) and prints one
 * line per chain: OK, or the first broken sequence number and why. Exits 1 when any chain is broken.
 * With --checkpoint it first signs a checkpoint of every chain that moved.
 */
import pino from 'pino';
import { loadConfig } from '../src/platform/config.js';
import { createContext } from '../src/platform/context.js';
import { CheckpointStore, auditVerifyReport, writeCheckpoints } from '../src/modules/security/checkpoints.js';

async function main() {
  const config = loadConfig();
  const ctx = await createContext(config, { log: pino({ level: 'warn' }) });
  const store = new CheckpointStore(config.dataDir, config.auditSyslog);
  try {
    if (process.argv.includes('--checkpoint')) {
      const r = await writeCheckpoints(ctx, store);
      process.stdout.write(`checkpoints written: ${r.written}\n`);
    }
    const { lines, broken } = await auditVerifyReport(ctx, store);
    process.stdout.write(lines.join('\n') + '\n');
    process.exitCode = broken ? 1 : 0;
  } finally {
    await ctx.db.close();
  }
}

main().catch((err) => {
  process.stderr.write(`audit:verify failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
