/**
 * The docs name files of the repository; this keeps them true. Every backticked path in README.md and
 * docs/*.md that names a source file (by its extension) or starts with a top-level folder of the repo must
 * be a tracked file or folder, written in full or as its tail (`pod/local-pod.ts`). Paths of data the
 * program writes at run time (`state.json`, `<dataDir>/...`) are neither, so they are not checked; build output
 * that git ignores (`web/dist`) is allowed. docs/architecture.md, the map of the tree, is held closer: there
 * every relative path is checked, folders named from inside a package (`runtime/local/pod`) too.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
  try {
    execFileSync('git', ['check-ignore', '-q', '--no-index', p], { cwd: ROOT });
    return true;
  } catch {
    return false;
  }
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

describe('docs', () => {
  it('name only files and folders the repository has', () => {
    expect(danglingDocPaths()).toEqual([]);
  });
});
