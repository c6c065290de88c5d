/**
 * Payloads of the jobs the API hands to workers, validated when consumed (a malformed message goes to the
 * dead-letter list instead of crashing the worker). Handlers are idempotent: a redelivered job converges.
 */
import { z } from 'zod';

export const deployJob = z.object({ deploymentId: z.string().uuid() });
/** Start (or restart) one instance of a deployment. */
export const startInstanceJob = z.object({ instanceId: z.string().uuid() });
export const stopJob = z.object({ instanceId: z.string().uuid(), reason: z.enum(['user', 'teacher', 'admin', 'ttl', 'idle', 'deployment']) });
export const archiveJob = z.object({ instanceId: z.string().uuid() });

export type DeployJob = z.infer<typeof deployJob>;
export type StopJob = z.infer<typeof stopJob>;
export type ArchiveJob = z.infer<typeof archiveJob>;
