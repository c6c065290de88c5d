/**
 * Payloads of the jobs the API hands to workers, validated when consumed (a malformed message goes to the
 * dead-letter list instead of crashing the worker). Handlers are idempotent: a redelivered job converges.
 */
import { z } from 'zod';

/**
 * When the API accepted the start (epoch ms), carried from lab.deploy to each lab.start so the workers can
 * measure a start from queued to running (autolabs_lab_start_duration_seconds). Absent in jobs re-issued
 * after a restart (periodic/reconcile.ts) and in those of older API versions.
 */
const queuedAt = z.number().int().positive().optional();
export const deployJob = z.object({ deploymentId: z.string().uuid(), queuedAt });
/** Start (or restart) one instance of a deployment. */
export const startInstanceJob = z.object({ instanceId: z.string().uuid(), queuedAt });
/** `gone`: the runtime lost the lab behind our back (its Pod evicted or deleted); workers/periodic/watch-running.ts. */
export const stopJob = z.object({ instanceId: z.string().uuid(), reason: z.enum(['user', 'teacher', 'admin', 'ttl', 'idle', 'deployment', 'gone']) });
export const archiveJob = z.object({ instanceId: z.string().uuid() });

export type DeployJob = z.infer<typeof deployJob>;
export type StartInstanceJob = z.infer<typeof startInstanceJob>;
export type StopJob = z.infer<typeof stopJob>;
export type ArchiveJob = z.infer<typeof archiveJob>;
