/**
 * The API process (production: several replicas behind a load balancer; gateways and workers run as
 * their own processes). Migrations run inside createServices -> createDatabase, safely from every
 * replica at once. On SIGTERM (run-process.ts) `close` stops accepting connections, lets in-flight
 * requests finish (Fastify's close drains them), then closes the services.
 */
import { buildApp } from './app';
import { createServices } from './platform/services';
import { runProcess } from '@autolabs/common/process/run-process';
import { serveWebApp } from './web/serve-web-app';

const PROCESS = {
  name: 'autolabs-api',
  summary: 'the API process: tRPC API, sign-in, health and metrics, and the built web app.',
  entry: 'server/src/server.ts',
};

await runProcess(PROCESS, async (env, log) => {
  const services = await createServices(env, log);
  const app = await buildApp(services, { logger: log });
  await serveWebApp(app, { env });
  await app.listen({ host: env.HOST, port: env.PORT });
  return {
    async close() {
      await app.close();
      await services.close();
    },
  };
});
