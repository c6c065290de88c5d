/**
 * Payloads of the jobs the API hands to workers, validated when consumed (a malformed message goes to the
 * dead-letter list instead of crashing the worker). Handlers are idempotent: a redelivered job converges.
 */
import { z } from 'zod';

export const deployJob = z.object({ deploymentId: z.string().uuid() });
/** Start (or restart) one instance of a deployment. */
export const startInstanceJob = z.object({ instanceId: z.string().uuid() });
/** `gone`: the runtime lost the lab behind our back (its Pod evicted or deleted); workers/periodic/watch-running.ts. */
export const stopJob = z.object({ instanceId: z.string().uuid(), reason: z.enum(['user', 'teacher', 'admin', 'ttl', 'idle', 'deployment', 'gone']) });
export const archiveJob = z.object({ instanceId: z.string().uuid() });

export type DeployJob = z.infer<typeof deployJob>;
export type StopJob = z.infer<typeof stopJob>;
export type ArchiveJob = z.infer<typeof archiveJob>;
