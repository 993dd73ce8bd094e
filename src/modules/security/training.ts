import crypto from 'node:crypto';
import { z } from 'zod';
import type { App } from '../../platform/http/app.js';
import type { AppContext } from '../../platform/context.js';
import { audit } from '../../platform/audit.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { simpleHtml } from '../../platform/mail.js';
import { authOf, requireTenant } from './guard.js';
import { requirePermission } from '../access/guard.js';
import { actorOf } from './service.js';
import { isPermission } from '../access/catalog.js';

interface Question {
  question: string;
  options: string[];
  answer: number;
}

const questionIn = z
  .object({ question: z.string().trim().min(1).max(1000), options: z.array(z.string().trim().min(1).max(500)).min(2).max(8), answer: z.number().int().min(0) })
  .refine((q) => q.answer < q.options.length, { message: 'answer_out_of_range', path: ['answer'] });
const courseIn = z.object({
  title: z.string().trim().min(1).max(200),
  content: z.string().trim().min(1).max(50000),
  passScore: z.number().int().min(1).max(100).default(80),
  questions: z.array(questionIn).min(1).max(50),
});

/** Security awareness training: courses with a quiz, assignments with due dates, attempts, the overdue list. */
export function trainingRoutes(app: App, ctx: AppContext) {
  // Training administration is user administration: the catalogue permission users.manage.
  const admin = requirePermission('users.manage');

  app.post('/api/v1/security/training/courses', { preHandler: admin, schema: { tags: ['training'], summary: 'Create a training course with its quiz', body: courseIn } }, async (req, reply) => {
    const auth = authOf(req);
    const tenantId = auth.tenant!.id;
    const id = crypto.randomUUID();
    await ctx.db.tenant(tenantId, async (tx) => {
      await tx.execute(`INSERT INTO training_courses (tenant_id, id, title, content, pass_score, questions, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, [
        tenantId, id, req.body.title, req.body.content, req.body.passScore, JSON.stringify(req.body.questions), auth.user.id, ctx.now(),
      ]);
      await audit.record(tx, { tenantId, actor: actorOf(auth), action: 'training.course.create', objectType: 'training_course', objectId: id, meta: req.meta });
    });
    reply.status(201).send({ id });
  });

  app.get('/api/v1/security/training/courses', { preHandler: admin, schema: { tags: ['training'], summary: 'Courses with completion counts' } }, async (req) => {
    const tenantId = authOf(req).tenant!.id;
    return ctx.db.tenant(tenantId, async (tx) => ({
      items: (
        await tx.query<{ id: string; title: string; pass_score: number; created_at: Date; assigned: number; completed: number }>(
          `SELECT c.id, c.title, c.pass_score, c.created_at, count(a.id)::int AS assigned, count(a.completed_at)::int AS completed
             FROM training_courses c LEFT JOIN training_assignments a ON a.tenant_id = c.tenant_id AND a.course_id = c.id
            WHERE c.tenant_id = $1 GROUP BY c.id, c.title, c.pass_score, c.created_at ORDER BY c.created_at DESC`,
          [tenantId],
        )
      ).map((c) => ({ id: c.id, title: c.title, passScore: c.pass_score, createdAt: c.created_at, assigned: c.assigned, completed: c.completed })),
    }));
  });

  app.post(
    '/api/v1/security/training/courses/:id/assign',
    {
      preHandler: admin,
      schema: { tags: ['training'], summary: 'Assign a course to users of the tenant (mailed to them)', params: z.object({ id: z.uuid() }), body: z.object({ userIds: z.array(z.uuid()).min(1).max(1000), dueAt: z.iso.datetime({ offset: true }) }) },
    },
    async (req) => {
      const auth = authOf(req);
      const tenantId = auth.tenant!.id;
      const due = new Date(req.body.dueAt);
      if (due.getTime() <= ctx.now().getTime()) throw new AppError(422, 'validation_failed', {}, [{ path: 'dueAt', code: 'date_in_past' }]);
      return ctx.db.tenant(tenantId, async (tx) => {
        const course = await tx.maybeOne<{ title: string }>(`SELECT title FROM training_courses WHERE tenant_id = $1 AND id = $2`, [tenantId, req.params.id]);
        if (!course) throw notFound('course_not_found');
        let assigned = 0;
        for (const userId of [...new Set(req.body.userIds)]) {
          const u = await tx.maybeOne<{ email: string }>(`SELECT email FROM users WHERE tenant_id = $1 AND id = $2`, [tenantId, userId]);
          if (!u) throw new AppError(422, 'validation_failed', {}, [{ path: 'userIds', code: 'user_not_found' }]);
          const n = await tx.execute(
            `INSERT INTO training_assignments (tenant_id, id, course_id, user_id, due_at, assigned_at, assigned_by) VALUES ($1,$2,$3,$4,$5,$6,$7)
             ON CONFLICT (tenant_id, course_id, user_id) DO NOTHING`,
            [tenantId, crypto.randomUUID(), req.params.id, userId, due, ctx.now(), auth.user.id],
          );
          if (!n) continue;
          assigned++;
          const subject = `Pactum 安全培训：${course.title}`;
          const text = `您有一门安全培训需要在 ${due.toISOString().slice(0, 10)} 前完成：「${course.title}」。\n\n${ctx.config.publicUrl}/tenant/security\n\n— Pactum`;
          tx.afterCommit(() => ctx.mailer.send({ to: u.email, subject, text, html: simpleHtml(subject, [`您有一门安全培训需要在 ${due.toISOString().slice(0, 10)} 前完成：「${course.title}」。`]), tenantId }));
        }
        await audit.record(tx, { tenantId, actor: actorOf(auth), action: 'training.assign', objectType: 'training_course', objectId: req.params.id, details: { users: req.body.userIds.length, assigned, dueAt: req.body.dueAt }, meta: req.meta });
        return { assigned };
      });
    },
  );

  app.get('/api/v1/security/training/mine', { preHandler: requireTenant, schema: { tags: ['training'], summary: 'My training assignments (quiz without the answers)' } }, async (req) => {
    const auth = authOf(req);
    const tenantId = auth.tenant!.id;
    return ctx.db.tenant(tenantId, async (tx) => ({
      items: (
        await tx.query<{ id: string; due_at: Date; completed_at: Date | null; score: number | null; title: string; content: string; pass_score: number; questions: Question[] }>(
          `SELECT a.id, a.due_at, a.completed_at, a.score, c.title, c.content, c.pass_score, c.questions
             FROM training_assignments a JOIN training_courses c ON c.tenant_id = a.tenant_id AND c.id = a.course_id
            WHERE a.tenant_id = $1 AND a.user_id = $2 ORDER BY a.due_at`,
          [tenantId, auth.user.id],
        )
      ).map((a) => ({
        id: a.id,
        title: a.title,
        content: a.content,
        passScore: a.pass_score,
        dueAt: a.due_at,
        completedAt: a.completed_at,
        score: a.score,
        overdue: !a.completed_at && a.due_at.getTime() < ctx.now().getTime(),
        questions: a.questions.map((q) => ({ question: q.question, options: q.options })),
      })),
    }));
  });

  app.post(
    '/api/v1/security/training/assignments/:id/attempt',
    { preHandler: requireTenant, schema: { tags: ['training'], summary: 'Answer the quiz; passing completes the assignment', params: z.object({ id: z.uuid() }), body: z.object({ answers: z.array(z.number().int().min(0)).max(50) }) } },
    async (req) => {
      const auth = authOf(req);
      const tenantId = auth.tenant!.id;
      return ctx.db.tenant(tenantId, async (tx) => {
        const a = await tx.maybeOne<{ completed_at: Date | null; pass_score: number; questions: Question[] }>(
          `SELECT a.completed_at, c.pass_score, c.questions FROM training_assignments a JOIN training_courses c ON c.tenant_id = a.tenant_id AND c.id = a.course_id
            WHERE a.tenant_id = $1 AND a.id = $2 AND a.user_id = $3 FOR UPDATE OF a`,
          [tenantId, req.params.id, auth.user.id],
        );
        if (!a) throw notFound('assignment_not_found');
        if (a.completed_at) throw new AppError(409, 'training_completed');
        if (req.body.answers.length !== a.questions.length) {
          throw new AppError(422, 'validation_failed', {}, [{ path: 'answers', code: 'answers_count', params: { n: a.questions.length } }]);
        }
        const right = a.questions.filter((q, i) => q.answer === req.body.answers[i]).length;
        const score = Math.round((right / a.questions.length) * 100);
        const passed = score >= a.pass_score;
        await tx.execute(`INSERT INTO training_attempts (tenant_id, id, assignment_id, score, passed, answers, at) VALUES ($1,$2,$3,$4,$5,$6,$7)`, [
          tenantId, crypto.randomUUID(), req.params.id, score, passed, JSON.stringify(req.body.answers), ctx.now(),
        ]);
        if (passed) await tx.execute(`UPDATE training_assignments SET completed_at = $3, score = $4 WHERE tenant_id = $1 AND id = $2`, [tenantId, req.params.id, ctx.now(), score]);
        await audit.record(tx, { tenantId, actor: actorOf(auth), action: 'training.attempt', objectType: 'training_assignment', objectId: req.params.id, outcome: passed ? 'success' : 'failure', details: { score }, meta: req.meta });
        return { score, passed, passScore: a.pass_score };
      });
    },
  );

  // Training gates: a permission withheld until the course is completed (decided by the access module).
  const gatesOf = (tx: Parameters<Parameters<typeof ctx.db.tenant>[1]>[0], tenantId: string) =>
    tx.query<{ permission: string; course_id: string; title: string; created_at: Date }>(
      `SELECT g.permission, g.course_id, c.title, g.created_at FROM training_gates g JOIN training_courses c ON c.tenant_id = g.tenant_id AND c.id = g.course_id
        WHERE g.tenant_id = $1 ORDER BY g.permission, c.title`,
      [tenantId],
    );
  const gateView = (g: { permission: string; course_id: string; title: string; created_at: Date }) => ({ permission: g.permission, courseId: g.course_id, course: g.title, createdAt: g.created_at });

  app.get('/api/v1/security/training/gates', { preHandler: admin, schema: { tags: ['training'], summary: 'Permissions that require a completed course (tenant setting)' } }, async (req) => {
    const tenantId = authOf(req).tenant!.id;
    return ctx.db.tenant(tenantId, async (tx) => ({ items: (await gatesOf(tx, tenantId)).map(gateView) }));
  });

  app.put(
    '/api/v1/security/training/gates',
    {
      preHandler: admin,
      schema: {
        tags: ['training'],
        summary: 'Replace the training gates: each permission listed is withheld from a user until they completed the course',
        body: z.object({ gates: z.array(z.object({ permission: z.string().trim().min(1).max(100), courseId: z.uuid() })).max(200) }),
      },
    },
    async (req) => {
      const auth = authOf(req);
      const tenantId = auth.tenant!.id;
      const errors = req.body.gates.flatMap((g, i) => (isPermission(g.permission) ? [] : [{ path: `gates.${i}.permission`, code: 'permission_unknown' }]));
      if (errors.length) throw new AppError(422, 'validation_failed', {}, errors);
      return ctx.db.tenant(tenantId, async (tx) => {
        for (const [i, g] of req.body.gates.entries()) {
          const c = await tx.maybeOne(`SELECT 1 FROM training_courses WHERE tenant_id = $1 AND id = $2`, [tenantId, g.courseId]);
          if (!c) throw new AppError(422, 'validation_failed', {}, [{ path: `gates.${i}.courseId`, code: 'course_not_found' }]);
        }
        const before = (await gatesOf(tx, tenantId)).map((g) => ({ permission: g.permission, courseId: g.course_id }));
        await tx.execute(`DELETE FROM training_gates WHERE tenant_id = $1`, [tenantId]);
        const seen = new Set<string>();
        for (const g of req.body.gates) {
          if (seen.has(`${g.permission}|${g.courseId}`)) continue;
          seen.add(`${g.permission}|${g.courseId}`);
          await tx.execute(`INSERT INTO training_gates (tenant_id, permission, course_id, created_at, created_by) VALUES ($1,$2,$3,$4,$5)`, [tenantId, g.permission, g.courseId, ctx.now(), auth.user.id]);
        }
        const after = await gatesOf(tx, tenantId);
        await audit.record(tx, {
          tenantId,
          actor: actorOf(auth),
          action: 'training.gates.update',
          objectType: 'training_gates',
          objectId: tenantId,
          details: { before, after: after.map((g) => ({ permission: g.permission, courseId: g.course_id })) },
          meta: req.meta,
        });
        return { items: after.map(gateView) };
      });
    },
  );

  app.get('/api/v1/security/training/overdue', { preHandler: admin, schema: { tags: ['training'], summary: 'Assignments past their due date and not completed' } }, async (req) => {
    const tenantId = authOf(req).tenant!.id;
    return ctx.db.tenant(tenantId, async (tx) => ({
      items: (
        await tx.query<{ id: string; user_id: string; email: string; name: string; title: string; due_at: Date; attempts: number }>(
          `SELECT a.id, a.user_id, u.email, u.name, c.title, a.due_at,
                  (SELECT count(*)::int FROM training_attempts t WHERE t.tenant_id = a.tenant_id AND t.assignment_id = a.id) AS attempts
             FROM training_assignments a
             JOIN users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id
             JOIN training_courses c ON c.tenant_id = a.tenant_id AND c.id = a.course_id
            WHERE a.tenant_id = $1 AND a.completed_at IS NULL AND a.due_at < $2 ORDER BY a.due_at`,
          [tenantId, ctx.now()],
        )
      ).map((r) => ({ assignmentId: r.id, user: { id: r.user_id, email: r.email, name: r.name }, course: r.title, dueAt: r.due_at, attempts: r.attempts })),
    }));
  });
}
