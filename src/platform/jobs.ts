import { Cron } from 'croner';
import type { Logger } from 'pino';

export interface JobSpec {
  name: string;
  /** Cron pattern (UTC). */
  pattern: string;
  run: () => Promise<unknown>;
}

/**
 * Periodic jobs (croner). A run never overlaps the previous one of the same job; failures are logged.
 * Jobs that touch tenant data iterate tenants and run each tenant in its own tenant transaction.
 */
export function startJobs(specs: JobSpec[], log: Logger): { stop: () => void } {
  const crons = specs.map(
    (s) =>
      new Cron(s.pattern, { protect: true, timezone: 'UTC', name: s.name }, async () => {
        const started = Date.now();
        try {
          const result = await s.run();
          log.info({ job: s.name, ms: Date.now() - started, result }, 'job done');
        } catch (err) {
          log.error({ job: s.name, err }, 'job failed');
        }
      }),
  );
  return { stop: () => crons.forEach((c) => c.stop()) };
}
