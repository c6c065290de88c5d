/**
 * The API as a Fastify instance: tRPC at /api/trpc, sign-in at /api/auth/* (built-in and OIDC), archive downloads, /healthz, /readyz,
 * /metrics, the subscribers that index what gateways report, and the consumer that stores notifications. Nothing process-level (no listen,
 * no signals): server.ts and embedded.ts own the process, tests use `app.inject`.
 */
import fastifyCookie from '@fastify/cookie';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerArchiveRoutes } from './archives/archive-routes';
import { registerLabFileRoutes } from './files/lab-file-routes';
import { subscribeGatewayReports } from './audit/gateway-reports';
import { registerAuthRoutes } from './auth/auth-routes';
import { Authenticator } from './auth/authenticator';
import { requireJsonBodies } from './auth/json-only';
import { registerOidcRoutes } from './auth/oidc/oidc-routes';
import { AccessLog } from '@autolabs/common/ops/access-log';
import { handleError } from './ops/error-handler';
import { httpTimeoutOptions } from '@autolabs/common/ops/http-timeouts';
import { registerOpsRoutes } from './ops/ops-routes';
import { genReqId } from './ops/request-id';
import { addSecurityHeaders, contentSecurityPolicy } from '@autolabs/common/ops/security-headers';
import type { ApiServices } from './trpc/api-services';
import { createRequestContext } from './trpc/context';
import { loadInternalSecret } from '@autolabs/common/platform/internal-secret';
import { registerSshLoginRoutes } from './ssh/ssh-login-routes';
import { logApiError } from './trpc/log-error';
import { consumeNotifications } from './notifications/store-notifications';
import { appRouter, type AppRouter } from './trpc/root';

export interface BuildAppOptions {
  /** The process logger (secrets redacted, see process/run-process.ts); none = no request logs. */
  logger?: FastifyBaseLogger;
  /** The clock the sign-in throttle reads; tests pass one to step through its waits without sleeping. */
  now?: () => number;
}

export async function buildApp(services: ApiServices, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger,
    genReqId,
    requestIdHeader: false,
    // `request.ip` is the client's address as a trusted proxy reports it in X-Forwarded-For, or the
    // socket's: with TRUST_PROXY unset nobody's header is believed (the sign-in throttle counts by it).
    trustProxy: services.env.TRUST_PROXY ?? false,
    logController: new AccessLog(),
    // tRPC batches put every procedure name in one path segment (`/api/trpc/a.b,c.d,...`); fastify's
    // default limit of 100 characters answers a page's batch of five or six queries with a bare 414.
    routerOptions: { maxParamLength: 5000 },
    // Lab uploads travel as JSON strings; leave room so an oversized lab gets PAYLOAD_TOO_LARGE with
    // its field from labs.upload, not a bare 413 from the body parser.
    bodyLimit: Math.max(1024 * 1024, services.env.MAX_UPLOAD_BYTES * 2 + 64 * 1024),
    ...httpTimeoutOptions,
  });
  // First, so every response carries them: API answers, errors, the web app, the embedded gateway's.
  addSecurityHeaders(app, contentSecurityPolicy(services.env));

  app.setErrorHandler(handleError);
  await app.register(fastifyCookie);
  requireJsonBodies(app);
  await registerOpsRoutes(app, services);
  // Shared with the gateways (the SSH front door's calls) and the key the OIDC routes seal their cookies with.
  const internalSecret = await loadInternalSecret({ secret: services.env.INTERNAL_API_SECRET, dataDir: services.env.AUTOLABS_DATA_DIR });
  const authDeps = { prisma: services.db.prisma, env: services.env, sessionStore: services.sessionStore };
  await registerAuthRoutes(app, { ...authDeps, now: opts.now });
  await registerOidcRoutes(app, { ...authDeps, internalSecret });

  // The gateway's SSH front door asks here who a key belongs to (never the database itself).
  await registerSshLoginRoutes(app, services, { secret: internalSecret, now: opts.now });

  const authenticator = new Authenticator(services.db.prisma, services.env);
  await registerArchiveRoutes(app, services, authenticator);
  await registerLabFileRoutes(app, services, authenticator);
  await app.register(fastifyTRPCPlugin, {
    prefix: '/api/trpc',
    trpcOptions: {
      router: appRouter,
      // Queries with large inputs (labs.validate of a whole YAML file) do not fit in a URL; clients may
      // send them as POST (httpBatchLink `methodOverride: 'POST'`).
      allowMethodOverride: true,
      createContext: ({ req }) => createRequestContext(services, authenticator, req),
      onError: ({ error, path, req }) => logApiError(req.log, path, error),
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  const reports = await subscribeGatewayReports(services.sessionStore, services.db.prisma, app.log);
  // What workers and this API tell students and teachers, stored for notifications.mine.
  const notifications = await consumeNotifications(services.queue, services.db.prisma, app.log);
  app.addHook('onClose', async () => {
    await reports.dispose();
    await notifications.dispose();
  });
  return app;
}
