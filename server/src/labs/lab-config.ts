/**
 * Reading a lab config: YAML text in, a validated LabConfig out, or every problem at once with the path
 * (and line) it concerns, so a teacher can fix a file in one pass. The schema lives in lab-config-schema.ts.
 */
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import { AppError } from '@autolabs/common/errors/app-error';
import { labConfigSchema, type LabConfig } from './lab-config-schema';

export { labConfigSchema, containerSchema, type LabConfig, type LabContainer, type LabCheck } from './lab-config-schema';
export { parseQuantity, parseDuration, cpuMillis, memoryMi } from './quantity';

export interface LabConfigError {
  /** Dotted path with array indexes, e.g. `spec.containers[0].resources.limits.memory`; '' for the whole file. */
  path: string;
  message: string;
  /** 1-based position in the YAML text, when known. */
  line?: number;
  column?: number;
}

export type LabConfigValidation = { ok: true; config: LabConfig } | { ok: false; errors: LabConfigError[] };

/** Validate without throwing (the admin console's "validate" button). */
export function validateLabConfig(yamlText: string): LabConfigValidation {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const pos = lineCounter.linePos(first.pos[0]);
    const reason = first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    return {
      ok: false,
      errors: [{ path: '', message: `YAML syntax error at line ${pos.line}, column ${pos.col}: ${reason}`, line: pos.line, column: pos.col }],
    };
  }
  if (doc.contents === null) {
    return { ok: false, errors: [{ path: '', message: 'the file is empty; expected a lab config starting with apiVersion: autolabs.io/v1' }] };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch {
    // The yaml package refuses alias expansions that would blow up memory ("billion laughs").
    return { ok: false, errors: [{ path: '', message: 'the file expands too many YAML aliases; write the values out instead' }] };
  }
  const parsed = labConfigSchema.safeParse(data, { reportInput: true });
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, errors: parsed.error.issues.flatMap((issue) => describeIssue(issue, doc, lineCounter)) };
}

/** Parse and validate; throws AppError LAB_CONFIG_INVALID with `detail.errors` listing every problem. */
export function parseLabConfig(yamlText: string): LabConfig {
  const result = validateLabConfig(yamlText);
  if (result.ok) return result.config;
  const [first] = result.errors;
  const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : '';
  const where = first.path === '' ? '' : `${first.path}: `;
  throw new AppError('LAB_CONFIG_INVALID', `lab config is invalid: ${where}${first.message}${more}`, {
    field: first.path || undefined,
    detail: { errors: result.errors },
  });
}

/** `['spec', 'containers', 0, 'name']` -> `spec.containers[0].name`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, seg) => {
    if (typeof seg === 'number') return `${out}[${seg}]`;
    return out === '' ? String(seg) : `${out}.${String(seg)}`;
  }, '');
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, lineCounter: LineCounter): LabConfigError[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const error = locate([...issue.path, key], 'unknown key', doc, lineCounter);
      const keyNode = keyNodeOf(doc, issue.path, key);
      if (keyNode?.range) Object.assign(error, toLineColumn(lineCounter, keyNode.range[0]));
      return error;
    });
  }
  return [locate(issue.path, messageFor(issue), doc, lineCounter)];
}

function messageFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'required' : `expected ${article(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      if (issue.values.length === 1) return `expected ${String(issue.values[0])}`;
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${issue.minimum} item(s)`;
      return issue.message.startsWith('Too small') ? `expected at least ${issue.minimum}` : issue.message;
    case 'too_big':
      if (issue.origin === 'array') return `expected at most ${issue.maximum} item(s)`;
      return issue.message.startsWith('Too big') ? `expected at most ${issue.maximum}` : issue.message;
    case 'invalid_key':
      return issue.issues[0]?.message ?? issue.message;
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

function locate(path: readonly PropertyKey[], message: string, doc: Document, lineCounter: LineCounter): LabConfigError {
  const error: LabConfigError = { path: formatPath(path), message };
  const node = nearestNode(doc, path);
  return node?.range ? { ...error, ...toLineColumn(lineCounter, node.range[0]) } : error;
}

function toLineColumn(lineCounter: LineCounter, offset: number): { line: number; column: number } {
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** The key node of an unknown key, so the reported line is the key's own line. */
function keyNodeOf(doc: Document, parentPath: readonly PropertyKey[], key: string): { range?: [number, number, number] | null } | null {
  const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath as (string | number)[], true);
  if (!isMap(parent)) return null;
  const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === key);
  return pair && isNode(pair.key) ? pair.key : null;
}

/** The YAML node at `path`, or its closest existing ancestor (a missing key points at its parent). */
function nearestNode(doc: Document, path: readonly PropertyKey[]): { range?: [number, number, number] | null } | null {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (isNode(node)) return node;
  }
  return null;
}
