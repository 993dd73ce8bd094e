import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirInUse, openDatabase } from '../src/platform/db/index.js';

/**
 * The embedded database belongs to one process: a CLI script (npm run demo, audit:verify, keys:rotate) started
 * next to a running `npm start` on the same data directory must be refused, not read a stale copy and lose
 * its writes.
 */
describe('embedded data directory lock', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactum-lock-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a second opener while the first holds the directory, and frees it on close', async () => {
    const first = await openDatabase({ pgliteDir: dir });
    expect(fs.readFileSync(path.join(dir, 'pactum.lock'), 'utf8').trim()).toBe(String(process.pid));
    const second = openDatabase({ pgliteDir: dir });
    await expect(second).rejects.toBeInstanceOf(DataDirInUse);
    await expect(second).rejects.toThrow(/in use by another Pactum process \(pid \d+\)\. Stop it first/);
    await first.close();
    expect(fs.existsSync(path.join(dir, 'pactum.lock'))).toBe(false);
    // The data survived: the directory opens again and the migrations are recorded.
    const again = await openDatabase({ pgliteDir: dir });
    await again.close();
  });

  it('takes over a lock left by a process that is gone', async () => {
    fs.writeFileSync(path.join(dir, 'pactum.lock'), '2147483646\n');
    const db = await openDatabase({ pgliteDir: dir });
    expect(fs.readFileSync(path.join(dir, 'pactum.lock'), 'utf8').trim()).toBe(String(process.pid));
    await db.close();
  });
});
