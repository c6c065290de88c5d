/**
 * The docs name files of the repository; this keeps them true. Every backticked path in README.md and
 * docs/*.md that names a source file (by its extension) or starts with a top-level folder of the repo must
 * be a tracked file or folder, written in full or as its tail (`pod/local-pod.ts`). Paths of data the
 * program writes at run time (`state.json`, `<dataDir>/...`) are neither, so they are not checked; build output
 * that git ignores (`web/dist`) is allowed. docs/architecture.md, the map of the tree, is held closer: there
 * every relative path is checked, folders named from inside a package (`runtime/local/pod`) too.
 * docs/operations.md, the runbooks, is held to its commands as well (see `RUNBOOKS`), and to the chart's alerts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE = /\.(ts|tsx|mjs|sh|sql|prisma|tf|md)$/;
const PATHLIKE = /^[\w@.-]+(\/[\w@.-]+)*\/?$/;

function tracked(): { files: string[]; top: Set<string>; all: string[] } {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const top = new Set(files.filter((f) => f.includes('/')).map((f) => f.split('/')[0]));
  return { files, top, all: [...files, ...dirs] };
}

/** Build output and generated code (`web/dist`): named in the docs, ignored by git. */
function ignoredByGit(p: string): boolean {
  // As a file and as a folder: `dist/` in .gitignore matches only folders, and web/dist may not be built yet.
  return [p, `${p}/`].some((candidate) => {
    try {
      execFileSync('git', ['check-ignore', '-q', '--no-index', candidate], { cwd: ROOT });
      return true;
    } catch {
      return false;
    }
  });
}

/** Docs in which every relative path with a slash is checked, not only those under a top-level folder. */
const STRICT = new Set(['docs/architecture.md']);

/** `[doc, path]` for every path a doc names that the repository does not have. */
function danglingDocPaths(): [string, string][] {
  const { files, top, all } = tracked();
  const docs = ['README.md', ...files.filter((f) => f.startsWith('docs/') && f.endsWith('.md'))];
  const dangling: [string, string][] = [];
  for (const doc of docs) {
    for (const m of fs.readFileSync(path.join(ROOT, doc), 'utf8').matchAll(/`([^`\s]+)`/g)) {
      const named = m[1].replace(/:\d+(-\d+)?$/, '');
      if (!PATHLIKE.test(named)) continue;
      const p = named.replace(/\/$/, '');
      if (!SOURCE.test(p) && !top.has(p.split('/')[0]) && !(STRICT.has(doc) && p.includes('/'))) continue;
      if (!p.includes('/') && !SOURCE.test(p)) continue;
      if (!all.some((f) => f === p || f.endsWith(`/${p}`)) && !ignoredByGit(p)) dangling.push([doc, named]);
    }
  }
  return dangling;
}

/**
 * Docs an operator copies commands from. In their code blocks and backticks: every `npm run <script>` is a
 * script of package.json; every file path (`bash lab-images/build.sh`, `-f charts/autolabs/values-prod.yaml`,
 * `environments/prod.tfvars` after a `cd terraform`) is tracked, written in full or as its tail, a compiled
 * `server/src/...js` (in `dist/`, or `/app/` of the platform image) being its `.ts`; every `deployment/autolabs-<name>` is a Deployment of the chart; every
 * `a.b.c` whose first part is a key of the chart's values.yaml is a value there.
 */
const RUNBOOKS = ['docs/operations.md'];

function read(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

/** `[doc, name]` for every script, file, Deployment or chart value a runbook names that does not exist. */
function danglingRunbookNames(): [string, string][] {
  const { all } = tracked();
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  const values = parse(read('charts/autolabs/values.yaml')) as Record<string, unknown>;
  const templates = fs.readdirSync(path.join(ROOT, 'charts/autolabs/templates')).map((f) => read(`charts/autolabs/templates/${f}`));
  const deployments = new Set(templates.filter((t) => /^kind: Deployment$/m.test(t)).flatMap((t) => [...t.matchAll(/name: \{\{ include "autolabs.fullname" \. \}\}(-[a-z]+)\n/g)].map((m) => `autolabs${m[1]}`)));
  const isValue = (dotted: string) => {
    let at: unknown = values;
    for (const key of dotted.split('.')) {
      if (key === '*') return true;
      if (typeof at !== 'object' || at === null || !(key in at)) return false;
      at = (at as Record<string, unknown>)[key];
    }
    return true;
  };
  const dangling: [string, string][] = [];
  for (const doc of RUNBOOKS) {
    const text = read(doc);
    const code = [...text.matchAll(/```\w*\n([\s\S]*?)```/g), ...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]).join('\n');
    for (const m of code.matchAll(/npm run ([\w:-]+)/g)) if (!(m[1] in scripts)) dangling.push([doc, `npm run ${m[1]}`]);
    for (const m of code.matchAll(/(?<=^|[\s"'=])(?:\/app\/|dist\/)?((?:[\w.-]+\/)+[\w.-]+\.(?:sh|ts|js|yaml|tfvars|tf|md))(?=$|[\s"',)])/gm)) {
      const file = m[1].replace(/^((?:server|gateway)\/.*)\.js$/, '$1.ts');
      if (!all.some((f) => f === file || f.endsWith(`/${file}`))) dangling.push([doc, m[0]]);
    }
    for (const m of code.matchAll(/\bdeployment[/ ]((?:autolabs-[a-z]+\b ?)+)(?!-?\$)/g)) {
      for (const name of m[1].trim().split(' ')) if (!deployments.has(name)) dangling.push([doc, `deployment ${name}`]);
    }
    for (const m of text.matchAll(/`([a-z][A-Za-z]*(?:\.(?:[A-Za-z]+|\*))+)`/g)) {
      if (m[1].split('.')[0] in values && !isValue(m[1])) dangling.push([doc, `chart value ${m[1]}`]);
    }
  }
  return dangling;
}

describe('docs', () => {
  it('name only files and folders the repository has', () => {
    expect(danglingDocPaths()).toEqual([]);
  });

  it('name in runbooks only npm scripts, files, Deployments and chart values that exist', () => {
    expect(danglingRunbookNames()).toEqual([]);
  });

  it('give every alert of the chart a runbook, and none to an alert it does not have', () => {
    const rules = parse(read('charts/autolabs/alerts/autolabs-rules.yaml')) as { groups: { rules: { alert?: string }[] }[] };
    const alerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : []))).sort();
    const section = /^## When an alert fires\n([\s\S]*?)^## /m.exec(read('docs/operations.md'))?.[1] ?? '';
    const runbooks = [...section.matchAll(/\*\*(AutoLabs\w+)\*\*/g)].map((m) => m[1]).sort();
    expect(alerts.length).toBeGreaterThan(0);
    expect(runbooks).toEqual(alerts);
  });
});
