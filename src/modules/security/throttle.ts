import type { Tx } from '../../platform/db/index.js';

/**
 * Failed sign-in counting. Per account (e-mail key) 5 failures within 15 minutes lock it for 15
 * minutes, doubling with every further lock until a successful sign-in (at most 24 hours). Per client IP
 * 20 failures lock that address the same way.
 */
export const LOCKOUT = { account: 5, ip: 20, windowMinutes: 15, baseLockMinutes: 15, maxLockMinutes: 24 * 60 };

export const accountKey = (emailKey: string) => `acct:${emailKey}`;
export const ipKey = (ip: string | null | undefined) => `ip:${ip ?? 'unknown'}`;

export async function lockedUntil(tx: Tx, key: string, now: Date): Promise<Date | null> {
  const r = await tx.maybeOne<{ locked_until: Date | null }>(`SELECT locked_until FROM login_throttle WHERE key = $1`, [key]);
  return r?.locked_until && r.locked_until.getTime() > now.getTime() ? r.locked_until : null;
}

/** Counts one failure; returns the lock end when this failure locked the key. */
export async function countFailure(tx: Tx, key: string, threshold: number, now: Date): Promise<Date | null> {
  await tx.execute(`INSERT INTO login_throttle (key, window_started_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [key, now]);
  const row = await tx.one<{ failures: number; window_started_at: Date; lock_count: number }>(
    `SELECT failures, window_started_at, lock_count FROM login_throttle WHERE key = $1 FOR UPDATE`,
    [key],
  );
  const windowOver = now.getTime() - row.window_started_at.getTime() > LOCKOUT.windowMinutes * 60_000;
  let failures = windowOver ? 1 : row.failures + 1;
  const windowStart = windowOver ? now : row.window_started_at;
  let until: Date | null = null;
  let lockCount = row.lock_count;
  if (failures >= threshold) {
    const minutes = Math.min(LOCKOUT.baseLockMinutes * 2 ** lockCount, LOCKOUT.maxLockMinutes);
    until = new Date(now.getTime() + minutes * 60_000);
    lockCount += 1;
    failures = 0;
  }
  await tx.execute(
    `UPDATE login_throttle SET failures = $2, window_started_at = $3, lock_count = $4,
       locked_until = COALESCE($5, locked_until), updated_at = $6 WHERE key = $1`,
    [key, failures, windowStart, lockCount, until, now],
  );
  return until;
}

export async function clearKey(tx: Tx, key: string): Promise<void> {
  await tx.execute(`UPDATE login_throttle SET failures = 0, lock_count = 0, locked_until = NULL WHERE key = $1`, [key]);
}
