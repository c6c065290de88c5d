import { readFileSync, readdirSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { JSON_SCHEMA_PATH, labConfigJsonSchemaText } from './lab-config-json-schema';
import { parseLabConfig } from './lab-config';
import { parseDuration } from './quantity';

const LAB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../lab-configs');
const read = (file: string) => readFileSync(path.join(LAB_DIR, file), 'utf8');

describe('bundled lab configs (lab-configs/)', () => {
  const files = readdirSync(LAB_DIR).filter((f) => f.endsWith('.yaml'));

  it('include the three labs the demo course uses', () => {
    expect(files).toEqual(expect.arrayContaining(['linux-basics.yaml', 'sql-injection.yaml', 'network-analysis.yaml']));
  });

  it.each(files)('%s is valid, named after its file, points editors at the schema and has checks', (file) => {
    const text = read(file);
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./lab-config.schema.json');
    const config = parseLabConfig(text);
    expect(`${config.metadata.name}.yaml`).toBe(file);
    expect(config.spec.checks.length).toBeGreaterThan(0);
    expect(parseDuration(config.spec.lifetime.idleTimeout)).toBeLessThan(parseDuration(config.spec.lifetime.ttl));
  });

  it('sql-injection isolates the target: only attacker -> target on port 80, no internet', () => {
    const { spec } = parseLabConfig(read('sql-injection.yaml'));
    expect(spec.containers.map((c) => [c.name, c.terminal])).toEqual([
      ['attacker', true],
      ['target', false],
    ]);
    expect(spec.network).toEqual({ internet: false, allowedEgress: [], allow: [{ from: 'attacker', to: 'target', ports: [80] }] });
    expect(spec.containers[1].ports).toEqual([{ name: 'http', containerPort: 80, protocol: 'TCP' }]);
  });
});

describe('lab-configs/lab-config.schema.json', () => {
  it('equals a fresh generation from the zod schema (regenerate with node --import tsx server/src/labs/lab-config-json-schema.ts)', () => {
    expect(readFileSync(JSON_SCHEMA_PATH, 'utf8')).toBe(labConfigJsonSchemaText());
  });

  it('rejects unknown keys and requires exactly the fields the parser requires', () => {
    const schema = JSON.parse(readFileSync(JSON_SCHEMA_PATH, 'utf8')) as {
      required: string[];
      additionalProperties: boolean;
      properties: { spec: { required: string[] } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required.sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(schema.properties.spec.required).toEqual(['containers']);
  });

  it('accepts every bundled lab and rejects what the parser rejects, as an editor would (Ajv, draft 2020-12)', () => {
    // Formats (cidr) are left to the parser; editors treat unknown formats as annotations too.
    const validate = new Ajv2020({ allErrors: true, strict: false, validateFormats: false }).compile(JSON.parse(readFileSync(JSON_SCHEMA_PATH, 'utf8')));
    for (const file of readdirSync(LAB_DIR).filter((f) => f.endsWith('.yaml'))) {
      expect(validate(parseYaml(read(file))), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    const lab = parseYaml(read('linux-basics.yaml')) as { spec: { containers: Record<string, unknown>[] } };
    lab.spec.containers[0].colour = 'red';
    expect(validate(lab)).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/spec/containers/0', keyword: 'additionalProperties' });
    delete lab.spec.containers[0].colour;
    lab.spec.containers[0].resources = { requests: { cpu: '100m', memory: '12 parsecs' }, limits: { cpu: '1', memory: '1Gi' } };
    expect(validate(lab)).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ instancePath: '/spec/containers/0/resources/requests/memory', keyword: 'pattern' });
  });
});
