/**
 * The JSON Schema editors use to complete and check lab YAML (yaml-language-server reads the
 * `$schema` comment at the top of each file in lab-configs/). Generated from the zod schema so the two
 * cannot drift; bundled-labs.test.ts fails when the committed file is stale.
 * Regenerate: `node --import tsx server/src/labs/lab-config-json-schema.ts`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { labConfigSchema } from './lab-config-schema';

export const JSON_SCHEMA_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../lab-configs/lab-config.schema.json');

/** The schema text exactly as committed (input side: defaulted fields are optional for authors). */
export function labConfigJsonSchemaText(): string {
  const schema = z.toJSONSchema(labConfigSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, $id: 'https://autolabs.io/schemas/lab-config.schema.json', title: 'AutoLabs lab config' }, null, 2)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(JSON_SCHEMA_PATH, labConfigJsonSchemaText());
  process.stdout.write(`wrote ${JSON_SCHEMA_PATH}\n`);
}
