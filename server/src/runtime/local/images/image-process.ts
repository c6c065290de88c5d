/**
 * The process an image asks for (Docker's Entrypoint/Cmd/Env/WorkingDir/User), read from its config blob.
 * Docker writes `null` for unset lists, so null and absent both mean "none".
 */
import { z } from 'zod';

export interface ImageProcess {
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  /** `/` when the image sets none. */
  workingDir: string;
  /** As the image writes it (`1000`, `1000:1000`, `app`); `0` when the image sets none, which means root. */
  user: string;
}

const list = z.array(z.string()).nullish();
const imageConfigSchema = z.object({
  config: z
    .object({ Entrypoint: list, Cmd: list, Env: list, WorkingDir: z.string().nullish(), User: z.string().nullish() })
    .passthrough()
    .nullish(),
});

/** Throws a ZodError when the config blob is not an image config. */
export function imageProcess(configBlob: unknown): ImageProcess {
  const c = imageConfigSchema.parse(configBlob).config ?? {};
  const env: Record<string, string> = {};
  for (const entry of c.Env ?? []) {
    const eq = entry.indexOf('=');
    if (eq === -1) env[entry] = '';
    else env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return { entrypoint: c.Entrypoint ?? [], cmd: c.Cmd ?? [], env, workingDir: c.WorkingDir || '/', user: c.User || '0' };
}
