/**
 * What the API layer uses of the process's services (platform/services.ts builds them). Declared here
 * as the narrowest shape so tests can assemble it from real parts without the whole platform.
 */
import type { CryptoKey } from 'jose';
import type { Env } from '../config/env';
import type { Database } from '../infra/database/database';
import type { ObjectStore } from '../infra/object-store/object-store';
import type { JobQueue } from '../infra/queue/job-queue';
import type { SessionStore } from '../infra/session-store/session-store';
import type { LabRuntime } from '../runtime/lab-runtime';

export interface ApiServices {
  env: Env;
  db: Database;
  objectStore: ObjectStore;
  queue: JobQueue;
  sessionStore: SessionStore;
  runtime: LabRuntime;
  ticketKeys: { privateKey: CryptoKey | null; publicKey: CryptoKey };
}
