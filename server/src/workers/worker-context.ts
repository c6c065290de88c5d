/**
 * What every worker step receives: the services it may touch (a structural subset of platform Services,
 * so workers never depend on how those were chosen), a logger, and the tunables of this worker process.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Env } from '../config/env';
import type { Database } from '../infra/database/database';
import type { ObjectStore } from '../infra/object-store/object-store';
import type { JobQueue } from '../infra/queue/job-queue';
import type { SessionStore } from '../infra/session-store/session-store';
import type { LabRuntime } from '../runtime/lab-runtime';
import type { LabConfigCache } from '../labs/lab-config-cache';

export interface WorkerServices {
  env: Env;
  db: Database;
  objectStore: ObjectStore;
  queue: JobQueue;
  sessionStore: SessionStore;
  runtime: LabRuntime;
}

export interface WorkerContext {
  services: WorkerServices;
  log: FastifyBaseLogger;
  configs: LabConfigCache;
  /** Deliveries of one job before it is given up (the instance is then marked failed). */
  maxAttempts: number;
  /** How long a stopped instance keeps its storage before it is archived and destroyed. */
  archiveAfterMs: number;
}
