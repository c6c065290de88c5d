/**
 * The services every part of the platform is built on, declared once: the API (trpc/api-services.ts), the
 * workers (workers/worker-context.ts) and the process's composition (platform/services.ts) each add only
 * what is theirs. Types only, so nobody depends on how services.ts chose the implementations.
 */
import type { Env } from '@autolabs/common/config/env';
import type { Database } from '../infra/database/database';
import type { ObjectStore } from '@autolabs/common/object-store/object-store';
import type { JobQueue } from '../infra/queue/job-queue';
import type { SessionStore } from '@autolabs/common/session-store/session-store';
import type { LabRuntime } from '../runtime/lab-runtime';

export interface CoreServices {
  env: Env;
  db: Database;
  objectStore: ObjectStore;
  queue: JobQueue;
  sessionStore: SessionStore;
  runtime: LabRuntime;
}
