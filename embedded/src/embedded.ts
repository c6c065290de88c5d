/**
 * Embedded AutoLabs: one process with the web UI, the API, the terminal gateway and the workers, on the
 * implementations chosen from the environment (all embedded when nothing is set). `npm start` runs this.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { runProcess } from '@autolabs/common/process/run-process';
import { gatewayPlugin } from '@autolabs/gateway/app';
import { gatewayOptionsFromEnv } from '@autolabs/gateway/gateway-options';
import { buildApp } from '@autolabs/server/app';
import { seedDemo } from '@autolabs/server/demo/seed-demo';
import { createServices } from '@autolabs/server/platform/services';
import { serveWebApp } from '@autolabs/server/web/serve-web-app';
import { startWorkers } from '@autolabs/server/workers/index';
import { workerOptionsFromEnv } from '@autolabs/server/workers/worker-options-from-env';

/** The API's own address as a loopback URL (the listen address may be 0.0.0.0). */
function ownUrl(address: string | AddressInfo | null): string {
  if (!address || typeof address === 'string') throw new Error('the API is not listening on a TCP port');
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

const PROCESS = {
  name: 'autolabs',
  summary: 'embedded AutoLabs in one process: web UI, API, terminal gateway and workers (npm start).',
  entry: 'embedded/src/embedded.ts',
};

await runProcess(PROCESS, async (env, log) => {
  const services = await createServices(env, log);
  await services.runtime.checkAvailable();

  const demo = await seedDemo(services);
  const app = await buildApp(services, { logger: log });
  await app.register(
    gatewayPlugin,
    await gatewayOptionsFromEnv(env, {
      sessionStore: services.sessionStore,
      objectStore: services.objectStore,
      ticketPublicKey: services.ticketKeys.publicKey,
      // The SSH front door asks this very process's API over HTTP, as a standalone gateway would.
      apiBaseUrl: () => ownUrl(app.server.address()),
    }),
  );
  await serveWebApp(app, { env });
  const workers = await startWorkers(services, { log, ...workerOptionsFromEnv(env) });

  const address = await app.listen({ host: env.HOST, port: env.PORT });
  const port = new URL(address).port;
  process.stdout.write(`AutoLabs is running on http://localhost:${port}\n`);
  if (demo.created && demo.accounts) {
    process.stdout.write(`Demo accounts (also in ${path.join(env.AUTOLABS_DATA_DIR, 'demo-accounts.txt')}):\n`);
    for (const a of demo.accounts) process.stdout.write(`  ${a.role.padEnd(8)} ${a.username} / ${a.password}\n`);
  }

  return {
    async close() {
      await app.close();
      await workers.dispose();
      await services.close();
    },
  };
});
