/**
 * What every worker step receives: the services it may touch (a structural subset of platform Services,
 * so workers never depend on how those were chosen), a logger, and the tunables of this worker process.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { CoreServices } from '../platform/core-services';
import type { LabConfigCache } from '../labs/lab-config-cache';

export type WorkerServices = CoreServices;

export interface WorkerContext {
  services: WorkerServices;
  log: FastifyBaseLogger;
  configs: LabConfigCache;
  /** Deliveries of one job before it is given up (the instance is then marked failed). */
  maxAttempts: number;
  /** How long a stopped instance keeps its storage before it is archived and destroyed. */
  archiveAfterMs: number;
}
