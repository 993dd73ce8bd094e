import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createTestEnv, lastMailTo, type TestEnv } from '../helpers.js';
import { PASSWORD, seedTenant } from './helpers.js';

describe('security training', () => {
  let env: TestEnv;
  let clock = Date.UTC(2026, 11, 3, 2, 0, 0);

  beforeAll(async () => {
    env = await createTestEnv();
    env.ctx.now = () => new Date(clock);
  });
  afterAll(async () => env?.close());

  it('assigns a course with a quiz, records attempts, completes on a pass and lists the overdue', async () => {
    const t = await seedTenant(env);
    const other = await seedTenant(env, '另一家公司');
    await t.user('admin@train.example.com', ['tenant_admin']);
    const alice = await t.user('alice@train.example.com');
    const bob = await t.user('bob@train.example.com');
    const outsider = await other.user('x@other.example.com');
    const admin = new Client(env.app);
    await admin.login('admin@train.example.com', PASSWORD);

    const bad = await admin.post('/api/v1/security/training/courses', { title: 'x', content: 'y', questions: [{ question: 'q', options: ['a', 'b'], answer: 2 }] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0]).toMatchObject({ path: 'questions.0.answer', code: 'answer_out_of_range' });

    const course = await admin.post('/api/v1/security/training/courses', {
      title: '识别钓鱼邮件',
      content: '不要点击来历不明的链接……',
      passScore: 100,
      questions: [
        { question: '收到要求提供密码的邮件时？', options: ['回复密码', '报告安全团队'], answer: 1 },
        { question: '二次验证能否防御密码泄露？', options: ['能', '不能'], answer: 0 },
      ],
    });
    expect(course.statusCode).toBe(201);
    const courseId = course.json().id as string;
    const dueAt = new Date(clock + 7 * 86_400_000).toISOString();
    expect((await admin.post(`/api/v1/security/training/courses/${courseId}/assign`, { userIds: [outsider.id], dueAt })).statusCode).toBe(422);
    expect((await admin.post(`/api/v1/security/training/courses/${courseId}/assign`, { userIds: [alice.id, bob.id], dueAt })).json()).toEqual({ assigned: 2 });
    expect((await admin.post(`/api/v1/security/training/courses/${courseId}/assign`, { userIds: [alice.id], dueAt })).json()).toEqual({ assigned: 0 });
    expect((await lastMailTo(env.dataDir, alice.email, /安全培训/)).text).toContain('识别钓鱼邮件');

    const a = new Client(env.app);
    await a.login(alice.email, PASSWORD);
    const mine = (await a.get('/api/v1/security/training/mine')).json() as { items: Array<{ id: string; questions: Array<Record<string, unknown>> }> };
    expect(mine.items).toHaveLength(1);
    expect(mine.items[0]!.questions[0]).toEqual({ question: '收到要求提供密码的邮件时？', options: ['回复密码', '报告安全团队'] });
    const id = mine.items[0]!.id;
    expect((await a.post(`/api/v1/security/training/assignments/${id}/attempt`, { answers: [1] })).statusCode).toBe(422);
    expect((await a.post(`/api/v1/security/training/assignments/${id}/attempt`, { answers: [0, 0] })).json()).toEqual({ score: 50, passed: false, passScore: 100 });
    expect((await a.post(`/api/v1/security/training/assignments/${id}/attempt`, { answers: [1, 0] })).json()).toEqual({ score: 100, passed: true, passScore: 100 });
    expect((await a.post(`/api/v1/security/training/assignments/${id}/attempt`, { answers: [1, 0] })).statusCode).toBe(409);
    // Bob cannot answer Alice's assignment.
    const b = new Client(env.app);
    await b.login(bob.email, PASSWORD);
    expect((await b.post(`/api/v1/security/training/assignments/${id}/attempt`, { answers: [1, 0] })).statusCode).toBe(404);
    expect((await b.get('/api/v1/security/training/overdue')).statusCode).toBe(403);

    expect((await admin.get('/api/v1/security/training/overdue')).json()).toEqual({ items: [] });
    clock += 8 * 86_400_000;
    const admin2 = new Client(env.app);
    await admin2.login('admin@train.example.com', PASSWORD);
    const overdue = (await admin2.get('/api/v1/security/training/overdue')).json() as { items: Array<{ user: { email: string }; course: string; attempts: number }> };
    expect(overdue.items).toEqual([expect.objectContaining({ user: expect.objectContaining({ email: bob.email }), course: '识别钓鱼邮件', attempts: 0 })]);
    const courses = (await admin2.get('/api/v1/security/training/courses')).json() as { items: Array<{ assigned: number; completed: number }> };
    expect(courses.items[0]).toMatchObject({ assigned: 2, completed: 1 });
  });
});
