/**
 * Starts gateway-child.ts in a child process and gives the parent what it needs to drive it: the
 * WebSocket URL, ticket minting with the child's key, and the child's memory figures.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { importJWK } from 'jose';
import type { ChildOptions, ChildReady, ChildRequest, ChildStats } from './gateway-child';
import { mintOwnerTicket, mintViewerTicket, type TicketOverrides } from './test-tickets';
import { mintTestWallTicket } from './wall-client';

export interface GatewayProcess {
  url: string;
  origin: string;
  pid: number;
  ownerTicket(claims?: TicketOverrides): Promise<string>;
  viewerTicket(sid: string, claims?: TicketOverrides): Promise<string>;
  /** Absent on the compiled gateway (bench/compiled-gateway.ts). */
  wallTicket?(sids: string[]): Promise<string>;
  stats(): Promise<ChildStats>;
  close(): Promise<void>;
}

/** Asks a gateway child (gateway-child.ts, or the compiled gateway's stats agent) for its figures. */
export function requestStats(child: ChildProcess): Promise<ChildStats> {
  return new Promise((resolve) => {
    const onMessage = (m: ChildStats) => {
      if (m.type !== 'stats') return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.send({ type: 'stats' } satisfies ChildRequest);
  });
}

const CHILD = fileURLToPath(new URL('./gateway-child.ts', import.meta.url));

/**
 * `childEntry` runs another copy of gateway-child.ts (the benchmark's baseline: an earlier commit's
 * gateway/src extracted beside this one), so two versions can be measured in the same run.
 */
export async function startGatewayProcess(options: ChildOptions = {}, childEntry: string = CHILD): Promise<GatewayProcess> {
  const child: ChildProcess = fork(childEntry, [JSON.stringify(options)], {
    // BENCH_GATEWAY_NODE_ARGS adds node flags to the child only (e.g. --cpu-prof, which NODE_OPTIONS refuses).
    execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    env: { ...process.env, NODE_ENV: 'test' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<ChildReady>((resolve, reject) => {
    child.once('message', (m: ChildReady) => resolve(m));
    child.once('exit', (code) => reject(new Error(`gateway child exited with ${code} before it was ready`)));
  });
  const key = (await importJWK(ready.privateKey as Parameters<typeof importJWK>[0], 'EdDSA')) as CryptoKey;
  const request = (m: ChildRequest) => child.send(m);
  return {
    url: ready.url,
    origin: ready.origin,
    pid: child.pid ?? 0,
    ownerTicket: (claims) => mintOwnerTicket(key, claims),
    viewerTicket: (sid, claims) => mintViewerTicket(key, sid, claims),
    wallTicket: (sids) => mintTestWallTicket(key, sids),
    stats: () => requestStats(child),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        request({ type: 'close' });
      }),
  };
}
