/**
 * The standalone gateway process (production: one Deployment, several replicas): the session store and
 * object store chosen from the environment as every process chooses them, listening on GATEWAY_PORT. On
 * SIGTERM every terminal is closed with the "server shutting down" code so browsers reconnect elsewhere.
 * It is given only the ticket public key: it verifies tickets, it never mints them. /metrics (terminal
 * sessions, viewers, bytes, attach times: hub/terminal-metrics.ts) needs METRICS_TOKEN, as on the API.
 */
import fastify from 'fastify';
import { openObjectStore, openSessionStore } from '@autolabs/common/platform/stores';
import { AccessLog } from '@autolabs/common/ops/access-log';
import { httpTimeoutOptions } from '@autolabs/common/ops/http-timeouts';
import { registerMetricsRoute } from '@autolabs/common/ops/metrics-route';
import { NOTHING_POLICY, addSecurityHeaders } from '@autolabs/common/ops/security-headers';
import { loadTicketKeys } from '@autolabs/common/platform/ticket-keys';
import { runProcess } from '@autolabs/common/process/run-process';
import { gatewayPlugin } from './app';
import { gatewayOptionsFromEnv } from './gateway-options';

const PROCESS = {
  name: 'autolabs-gateway',
  summary: 'the terminal gateway: browser terminals over WebSocket, shared sessions, recordings.',
  entry: 'gateway/src/server.ts',
};

await runProcess(PROCESS, async (env, log) => {
  const sessionStore = await openSessionStore(env);
  const objectStore = await openObjectStore(env);
  const keys = await loadTicketKeys({ publicPem: env.TICKET_PUBLIC_KEY, dataDir: env.AUTOLABS_DATA_DIR });
  const app = fastify({
    loggerInstance: log,
    logController: new AccessLog(),
    ...httpTimeoutOptions,
    // The pending-socket limit counts clients by `request.ip`: behind the ingress, the address it reports.
    trustProxy: env.TRUST_PROXY ?? false,
  });
  addSecurityHeaders(app, NOTHING_POLICY);
  await app.register(gatewayPlugin, await gatewayOptionsFromEnv(env, { sessionStore, objectStore, ticketPublicKey: keys.publicKey }));
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await Promise.all([sessionStore.ping(), objectStore.ping()]);
      return { ok: true };
    } catch {
      return reply.code(503).send({ code: 'SERVICE_UNAVAILABLE', message: 'a backing service is unreachable' });
    }
  });
  registerMetricsRoute(app, env.METRICS_TOKEN);
  await app.listen({ host: env.HOST, port: env.GATEWAY_PORT });
  return {
    async close() {
      await app.close();
      await sessionStore.close();
      await objectStore.close();
    },
  };
});
