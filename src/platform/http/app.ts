import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyError, type FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { AppError, pickLocale, toProblem, type FieldError } from './errors.js';
import { messages, type Locale } from './messages.js';
import type { RequestMeta } from '../audit.js';

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
    meta: RequestMeta;
  }
}

export type App = FastifyInstance<any, any, any, any, ZodTypeProvider>;

export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

let rateLimitScale = 1;
/** A route's rate limit, scaled by config.rateLimitScale (raised in tests that are not about limits). */
export function limit(max: number, timeWindow: string) {
  return { max: Math.max(1, Math.round(max * rateLimitScale)), timeWindow };
}

/** Builds the HTTP server shell: security headers, cookies, rate limits, uploads, OpenAPI, errors, UI. */
export async function buildHttp(ctx: AppContext): Promise<App> {
  rateLimitScale = ctx.config.rateLimitScale;
  const app = Fastify({
    loggerInstance: ctx.log.child({ component: 'http' }, { level: ctx.config.logLevel === 'debug' ? 'info' : 'warn' }) as unknown as FastifyBaseLogger,
    trustProxy: ctx.config.trustProxy,
    bodyLimit: 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // The API speaks JSON (and multipart for files): a text/plain body is a refused type (415), not a
  // string that fails validation.
  app.removeContentTypeParser('text/plain');

  app.decorateRequest('locale', 'zh-CN');
  app.decorateRequest('meta', null as unknown as RequestMeta);
  app.addHook('onRequest', async (req) => {
    req.locale = pickLocale(req.headers['accept-language']);
    req.meta = { ip: req.ip, userAgent: req.headers['user-agent'] ?? null };
  });

  // No NUL bytes or lone UTF-16 surrogates anywhere in what a client sends: PostgreSQL cannot store
  // the first and would silently mangle the second. One check at the edge for every route.
  app.addHook('preValidation', async (req) => {
    const errors: FieldError[] = [];
    const walk = (v: unknown, p: string, depth: number) => {
      if (depth > 20 || errors.length > 20) return;
      if (typeof v === 'string') {
        if (v.includes('\u0000')) errors.push({ path: p, code: 'control_characters' });
        else if (LONE_SURROGATE.test(v)) errors.push({ path: p, code: 'invalid_characters' });
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, p ? `${p}.${i}` : String(i), depth + 1));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, p ? `${p}.${k}` : k, depth + 1);
    };
    walk(req.body, '', 0);
    walk(req.query, '', 0);
    walk(req.params, '', 0);
    if (errors.length) throw new AppError(422, 'validation_failed', {}, errors);
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Ant Design writes its CSS-in-JS as inline <style>.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'self'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: ctx.config.secureCookies ? [] : null,
      },
    },
    hsts: ctx.config.secureCookies ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: true,
    max: Math.round(600 * ctx.config.rateLimitScale),
    timeWindow: '1 minute',
    errorResponseBuilder: (_req, c) =>
      new AppError(429, 'rate_limited', { seconds: Math.max(1, Math.ceil(c.ttl / 1000)) }, [], {
        'Retry-After': String(Math.max(1, Math.ceil(c.ttl / 1000))),
      }),
  });
  await app.register(multipart, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, parts: 12, fieldSize: 64 * 1024 },
    throwFileSizeLimit: false,
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Pactum API',
        description:
          'Multi-tenant contract management. Errors are RFC 9457 problem details with a stable `code`; messages follow Accept-Language (zh-CN default, en). Cookie-authenticated writes send the `csrf_token` cookie value in `X-CSRF-Token`.',
        version: '1',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'pactum_session' },
          resumeToken: { type: 'apiKey', in: 'header', name: 'X-Resume-Token' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'Tenant API key `pk_<tenant>_<secret>` (API 密钥): the business API only, no CSRF; see docs/access.md' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    const appErr = toAppError(err, req);
    if (appErr.status >= 500) req.log.error({ err }, 'request failed');
    for (const [k, v] of Object.entries(appErr.headers)) reply.header(k, v);
    if (appErr.status === 429 && !reply.hasHeader('retry-after')) reply.header('Retry-After', '60');
    reply.status(appErr.status).type('application/problem+json; charset=utf-8').send(toProblem(appErr, req.locale ?? 'zh-CN'));
  });
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/') || !indexHtml) {
      const e = new AppError(404, 'route_not_found');
      reply.status(404).type('application/problem+json; charset=utf-8').send(toProblem(e, req.locale ?? 'zh-CN'));
      return;
    }
    // The single-page app owns every other path.
    reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(indexHtml);
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const ok = await ctx.db.ping();
    reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'database unreachable', database: ctx.db.driver });
  });

  const webDist = path.resolve(import.meta.dirname, '../../../web/dist');
  const indexFile = path.join(webDist, 'index.html');
  const indexHtml = fs.existsSync(indexFile) ? fs.readFileSync(indexFile, 'utf8') : null;
  if (indexHtml) {
    await app.register(fastifyStatic, { root: webDist, prefix: '/', wildcard: false, index: false, maxAge: '1h' });
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(indexHtml),
    );
  } else {
    ctx.log.warn(`web UI not built (${indexFile} missing): run npm run build:web`);
  }
  return app;
}

const ZOD_CODES: Record<string, string> = {
  too_small: 'too_small',
  too_big: 'too_big',
  invalid_format: 'invalid_format',
  invalid_value: 'invalid_value',
  invalid_union: 'invalid_value',
  unrecognized_keys: 'unknown_field',
};

function toAppError(err: FastifyError | AppError, req: FastifyRequest): AppError {
  if (err instanceof AppError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const errors: FieldError[] = [];
    for (const v of err.validation) {
      const p = v.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
      const params = v.params as Record<string, unknown>;
      let code = ZOD_CODES[v.keyword] ?? 'invalid_value';
      const fparams: Record<string, string | number> = {};
      const msg = v.message ?? '';
      if (v.keyword === 'custom' || messages[msg]) code = msg || 'invalid_value';
      else if (v.keyword === 'invalid_type') code = /received undefined/.test(msg) ? 'required' : 'invalid_type';
      else if (v.keyword === 'too_small') {
        code = params.origin === 'string' ? (Number(params.minimum) === 1 ? 'required' : 'too_short') : 'too_small';
        fparams.min = Number(params.minimum);
      } else if (v.keyword === 'too_big') {
        code = params.origin === 'string' ? 'too_long' : 'too_big';
        fparams.max = Number(params.maximum);
      } else if (v.keyword === 'invalid_format' && params.format === 'email') code = 'email_invalid';
      if (v.keyword === 'unrecognized_keys' && Array.isArray(params.keys)) {
        for (const k of params.keys as string[]) errors.push({ path: p ? `${p}.${k}` : k, code });
        continue;
      }
      errors.push({ path: p || (err.validationContext ?? ''), code, params: fparams });
    }
    return new AppError(422, 'validation_failed', {}, errors);
  }
  const code = (err as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError(413, 'payload_too_large', { limit: code === 'FST_REQ_FILE_TOO_LARGE' ? '10 MiB' : '1 MiB' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError(415, 'unsupported_content_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError(400, 'invalid_json');
  }
  if (err instanceof SyntaxError || (err as { statusCode?: number }).statusCode === 400) {
    return new AppError(400, (err as FastifyError).code === undefined && err instanceof SyntaxError ? 'invalid_json' : 'bad_request');
  }
  const status = (err as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) return new AppError(status, status === 404 ? 'not_found' : 'bad_request');
  void req;
  return new AppError(500, 'internal_error');
}
