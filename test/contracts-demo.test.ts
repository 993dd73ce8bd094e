import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, createTestEnv, type TestEnv } from './helpers.js';
import { fixtures, ok } from './contracts-helpers.js';
import { seedDemo } from '../scripts/demo.js';

/** `npm run demo`: the demo tenant with the three fixture contracts in several states, usable by signing in. */
describe('demo data', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
  });
  afterAll(async () => env?.close());

  it('creates the demo tenant with the fixture contracts (archived, in approval, draft) once', async () => {
    const r = await seedDemo(env.ctx, env.services, 'Demo-Correct-Horse-9');
    expect(r.created).toBe(true);
    expect(r.contracts.map((c) => [c.title, c.status])).toEqual([
      [fixtures.contracts[0]!.title, 'archived'],
      [fixtures.contracts[1]!.title, 'in_approval'],
      [fixtures.contracts[2]!.title, 'draft'],
    ]);
    // A demo user signs in and sees the contracts, with the imported text and the custom fields.
    const manager = new Client(env.app);
    await manager.login(r.users.find((u) => u.roles.includes('contract_manager'))!.email, 'Demo-Correct-Horse-9');
    const list = ok<{ items: Array<{ id: string; status: string; customFields: Record<string, unknown> }> }>(await manager.get('/api/v1/contracts'));
    expect(list.items).toHaveLength(3);
    const archived = ok<{ body: string; seal: unknown; archiveNumber: string }>(await manager.get(`/api/v1/contracts/${r.contracts[0]!.id}`));
    expect(archived.body).toContain('违约责任');
    expect(archived.seal).not.toBeNull();
    expect(archived.archiveNumber).toMatch(/^GD-/);
    const search = ok<{ items: Array<{ id: string }> }>(await manager.get(`/api/v1/contracts?q=${encodeURIComponent('违约责任')}`));
    expect(search.items.length).toBe(3);
    // The finance approver has the equipment purchase waiting (amount above ¥1,000,000).
    const finance = new Client(env.app);
    await finance.login(r.users.find((u) => u.name === '吴财务')!.email, 'Demo-Correct-Horse-9');
    const dash = ok<{ myApprovals: Array<{ contractId: string; step: string }> }>(await finance.get('/api/v1/contract-dashboard'));
    expect(dash.myApprovals).toEqual([expect.objectContaining({ contractId: r.contracts[1]!.id, step: '财务审核' })]);
    // A second run changes nothing.
    expect((await seedDemo(env.ctx, env.services)).created).toBe(false);
  });
});
