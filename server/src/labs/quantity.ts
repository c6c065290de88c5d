/**
 * Kubernetes-style resource quantities and Go-style durations, as lab configs write them. The schema
 * only checks the spelling (so the JSON Schema for editors stays a plain regex); these helpers turn the
 * validated strings into numbers where a runtime or a quota needs them.
 */
import { AppError } from '@autolabs/common/errors/app-error';

/** CPU: whole or fractional cores (`1`, `0.5`) or millicores (`500m`). */
export const CPU_QUANTITY = /^(\d+(\.\d+)?|\d+m)$/;
/** Memory and storage: bytes with an optional binary (`Ki`..`Ti`) or decimal (`k`..`T`) suffix. */
export const BYTES_QUANTITY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
/** One or more `<int><unit>` groups: `90s`, `30m`, `2h`, `1h30m`, `1d`. */
export const DURATION = /^(\d+(ms|s|m|h|d))+$/;

const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/**
 * Value of a quantity in base units: cores for CPU (`500m` -> 0.5), bytes for memory (`512Mi` -> 536870912).
 * Throws AppError BAD_INPUT for anything else.
 */
export function parseQuantity(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!match) throw new AppError('BAD_INPUT', `"${quantity}" is not a quantity such as 500m or 512Mi`);
  return Number(match[1]) * SUFFIX[match[2] ?? ''];
}

/** CPU quantity in millicores, rounded up (`0.25` -> 250, `1` -> 1000). */
export function cpuMillis(quantity: string): number {
  return Math.ceil(parseQuantity(quantity) * 1000 - 1e-9);
}

/** Memory quantity in mebibytes, rounded up (`1Gi` -> 1024, `500M` -> 477). */
export function memoryMi(quantity: string): number {
  return Math.ceil(parseQuantity(quantity) / 2 ** 20 - 1e-9);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Duration in milliseconds (`30m` -> 1800000, `1h30m` -> 5400000). Throws AppError BAD_INPUT otherwise. */
export function parseDuration(duration: string): number {
  if (!DURATION.test(duration)) {
    throw new AppError('BAD_INPUT', `"${duration}" is not a duration such as 30m or 2h`);
  }
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(amount) * UNIT_MS[unit];
  return total;
}
