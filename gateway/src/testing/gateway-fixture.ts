/**
 * A real gateway for integration tests and the benchmark: fastify + gatewayPlugin on port 0, a real
 * session store and a LocalDirObjectStore in a temporary directory, an Ed25519 key pair, and helpers
 * that mint owner and viewer tickets for a local `bash --norc` target.
 */
import fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ObjectStore } from '@autolabs/common/object-store/object-store';
import { LocalDirObjectStore } from '@autolabs/common/object-store/local-dir-object-store';
import { MemorySessionStore } from '@autolabs/common/session-store/memory-session-store';
import type { SessionStore } from '@autolabs/common/session-store/session-store';
import { gatewayPlugin, type GatewayPluginOptions } from '../app';
import { createBackendOpener } from '../backends/backend-opener';
import { GATEWAY_WS_PATH } from '../protocol/wire';
import { mintOwnerTicket, mintViewerTicket, type TicketOverrides } from './test-tickets';
import { freePort } from '@autolabs/common/testing/free-port';
import { httpTimeoutOptions } from '@autolabs/common/ops/http-timeouts';

export interface GatewayFixture {
  app: FastifyInstance;
  url: string;
  origin: string;
  sessionStore: SessionStore;
  objectStore: ObjectStore;
  recordingsBucket: string;
  privateKey: CryptoKey;
  ownerTicket(claims?: TicketOverrides): Promise<string>;
  viewerTicket(sid: string, claims?: TicketOverrides): Promise<string>;
  close(): Promise<void>;
}

export interface FixtureOptions extends Partial<GatewayPluginOptions> {
  /** Share one store between gateways (replicas); the fixture then leaves closing it to the caller. */
  sessionStore?: SessionStore;
  /** Share one key pair between gateways; generated when absent. */
  keys?: { privateKey: CryptoKey; publicKey: CryptoKey };
  /** Give the gateway an internalUrl pointing at its own listen address, so replicas forward to it. */
  reachableByPeers?: boolean;
  /** Where the gateway logs (tests that assert on log lines pass a pino logger); none = silent. */
  logger?: FastifyBaseLogger;
}

export async function startGateway(opts: FixtureOptions = {}): Promise<GatewayFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'autolabs-gw-'));
  const sessionStore = opts.sessionStore ?? new MemorySessionStore();
  const objectStore = new LocalDirObjectStore({ root: dir });
  const { privateKey, publicKey } = opts.keys ?? (await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true }));
  const app = opts.logger ? fastify({ loggerInstance: opts.logger, ...httpTimeoutOptions }) : fastify({ logger: false, ...httpTimeoutOptions });
  const recordingsBucket = 'recordings';
  const { keys: _keys, reachableByPeers, logger: _logger, ...pluginOptions } = opts;
  // The internal URL is recorded before the gateway listens, so its port is chosen first.
  const port = reachableByPeers ? await freePort() : 0;
  await app.register(gatewayPlugin, {
    ...pluginOptions,
    // Tests drive plain shells; a test of the production opener passes its own `backends`.
    backends: pluginOptions.backends ?? createBackendOpener({ plainPty: true, localDataDir: pluginOptions.localDataDir }),
    sessionStore,
    objectStore,
    ticketPublicKey: publicKey,
    gatewayId: opts.gatewayId ?? `test-${randomUUID().slice(0, 8)}`,
    internalUrl: reachableByPeers ? `ws://127.0.0.1:${port}` : opts.internalUrl,
    allowedOrigins: opts.allowedOrigins ?? ['http://app.test'],
    graceSeconds: opts.graceSeconds ?? 900,
    recordingsBucket,
  });
  const address = await app.listen({ host: '127.0.0.1', port });
  const base = new URL(address);

  return {
    app,
    url: `ws://127.0.0.1:${base.port}${GATEWAY_WS_PATH}`,
    origin: 'http://app.test',
    sessionStore,
    objectStore,
    recordingsBucket,
    privateKey,
    ownerTicket: (claims) => mintOwnerTicket(privateKey, claims),
    viewerTicket: (sid, claims) => mintViewerTicket(privateKey, sid, claims),
    async close() {
      await app.close();
      if (!opts.sessionStore) await sessionStore.close();
      await objectStore.close();
      // A recording that finished with its shell may still be writing its last chunk: rm retries ENOTEMPTY.
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

