import { loadConfig } from './platform/config.js';
import { createContext } from './platform/context.js';
import { startJobs } from './platform/jobs.js';
import { buildApp } from './app.js';
import { CheckpointStore, writeCheckpoints } from './modules/security/checkpoints.js';
import { anomalyService } from './modules/security/anomalies.js';
import { applyRetention } from './modules/security/retention.js';

async function main() {
  const config = loadConfig();
  const ctx = await createContext(config);
  const { app, services } = await buildApp(ctx);

  const admin = await services.security.bootstrapAdmin();
  if (admin.created) {
    const lines = [
      '',
      '==================================================================',
      ' Pactum: the first platform administrator was created.',
      `   login:    ${admin.email}`,
      admin.password
        ? `   password: ${admin.password}   (shown once; you must change it at first sign-in)`
        : '   password: the value of PACTUM_ADMIN_PASSWORD',
      '==================================================================',
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }

  const jobs = config.runJobs
    ? startJobs(
        [
          { name: 'registration-draft-expiry', pattern: '17 * * * *', run: () => services.onboarding.expireStaleDrafts() },
          { name: 'access-apply-due-requests', pattern: '5 * * * *', run: () => services.access.applyDueRequests() },
          { name: 'contract-expiry-reminders', pattern: '5 1 * * *', run: () => services.contracts.runExpiryReminders() },
          { name: 'contract-signing-reminders', pattern: '35 * * * *', run: () => services.contracts.runSigningReminders() },
          { name: 'contract-signing-deadlines', pattern: '20 * * * *', run: () => services.contracts.runSigningDeadlines() },
          { name: 'access-overreach-audit', pattern: config.accessAuditCron, run: () => services.access.runScheduledReports() },
          { name: 'audit-checkpoints', pattern: '5 * * * *', run: () => writeCheckpoints(ctx, new CheckpointStore(config.dataDir, config.auditSyslog)) },
          { name: 'anomaly-scan', pattern: '*/5 * * * *', run: () => anomalyService(ctx).scan() },
          { name: 'audit-retention', pattern: '40 3 * * *', run: () => applyRetention(ctx, new CheckpointStore(config.dataDir, config.auditSyslog)) },
        ],
        ctx.log,
      )
    : { stop: () => undefined };

  await app.listen({ port: config.port, host: config.host });
  process.stdout.write(
    `Pactum is running on ${config.publicUrl}  (database: ${ctx.db.driver === 'pg' ? 'PostgreSQL server' : `embedded PGlite in ${config.dataDir}`}; mail: ${ctx.mailer.target})\n` +
      `Sign in at ${config.publicUrl}/login · API docs at ${config.publicUrl}/api/docs\n`,
  );

  const shutdown = async (signal: string) => {
    ctx.log.info({ signal }, 'shutting down');
    jobs.stop();
    await app.close();
    await ctx.db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`Pactum failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
