/**
 * .gitlab-ci.yml read as GitLab reads it: gitlab-ci-local expands it (extends, anchors, rules, needs) and
 * validates it against GitLab's published CI schema (ci.json, which its bundle carries). The first tests show
 * that the check refuses what GitLab refuses, so its passing means something; then which jobs run on the
 * default branch and on another, and that every script, chart and values file the jobs name exists.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GITLAB_CI_LOCAL = path.join(ROOT, 'node_modules/.bin/gitlab-ci-local');
const run = promisify(execFile);

interface Listed {
  name: string;
  stage: string;
  when: string;
  needs: { job: string }[] | null;
}

interface Outcome {
  code: number;
  output: string;
  jobs: Listed[];
}

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'gitlab-ci-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/**
 * `gitlab-ci-local --list-json` on `pipeline` in a git repository of its own (gitlab-ci-local writes its state
 * beside the file, and reads the branch and the default branch from git), checked out on `branch`.
 */
async function listJobs(pipeline: string, branch = 'main'): Promise<Outcome> {
  const dir = await mkdtemp(path.join(scratch, 'repo-'));
  const git = (...args: string[]) => run('git', ['-c', 'user.name=ci', '-c', 'user.email=ci@example.edu', ...args], { cwd: dir });
  await git('init', '-q', '-b', branch);
  await git('remote', 'add', 'origin', 'https://gitlab.example.edu/autolabs/autolabs.git');
  await git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/main');
  await writeFile(path.join(dir, '.gitlab-ci.yml'), pipeline);
  await git('add', '.gitlab-ci.yml');
  await git('commit', '-q', '-m', 'pipeline');
  try {
    const { stdout, stderr } = await run(GITLAB_CI_LOCAL, ['--list-json'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, output: stdout + stderr, jobs: JSON.parse(stdout.slice(stdout.indexOf('['))) as Listed[] };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr, jobs: [] };
  }
}

const VALID = `stages: [test]
unit:
  stage: test
  script: [npm test]
`;

describe('the schema check', () => {
  it('accepts a minimal pipeline', async () => {
    const r = await listJobs(VALID);
    expect(r.output).toContain('json schema validated');
    expect(r.jobs.map((j) => j.name)).toEqual(['unit']);
  });

  it('refuses a job with a keyword GitLab does not know', async () => {
    const r = await listJobs(`${VALID}  scripts: [npm run build]\n`);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("'scripts' property is not expected to be here at unit");
  });

  it('refuses a job without a script', async () => {
    const r = await listJobs(VALID.replace('  script: [npm test]\n', '  image: node:20\n'));
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('unit must have script specified');
  });
});

describe('.gitlab-ci.yml', () => {
  it('passes the schema check and deploys dev, stage, then prod by hand, on the default branch', async () => {
    const r = await listJobs(await readFile(path.join(ROOT, '.gitlab-ci.yml'), 'utf8'));
    expect(r.output).toContain('json schema validated');
    const jobs = r.jobs.map((j) => [j.name, j.stage, j.when, (j.needs ?? []).map((n) => n.job).join(' ')]);
    expect(jobs).toEqual([
      ['test', 'test', 'on_success', ''],
      ['lab-images', 'build', 'on_success', ''],
      ['platform-image', 'build', 'on_success', ''],
      ['deploy-dev', 'deploy', 'on_success', 'lab-images platform-image'],
      ['deploy-stage', 'deploy', 'on_success', 'lab-images platform-image deploy-dev'],
      ['deploy-prod', 'deploy', 'manual', 'lab-images platform-image deploy-stage'],
    ]);
  });

  it('only tests on another branch: nothing is pushed or deployed', async () => {
    const r = await listJobs(await readFile(path.join(ROOT, '.gitlab-ci.yml'), 'utf8'), 'feature');
    expect(r.jobs.filter((j) => j.when !== 'never').map((j) => j.name)).toEqual(['test']);
  });

  it('names scripts, a chart and values files the repository has, one values file per environment', async () => {
    const pipeline = parse(await readFile(path.join(ROOT, '.gitlab-ci.yml'), 'utf8')) as Record<string, { script?: unknown; environment?: { name: string } }>;
    const scripts = Object.values(pipeline).flatMap((job) => [job.script ?? []].flat(3)).join('\n');
    const named = [...scripts.matchAll(/(?:bash |\. )([\w./-]+)/g)].map((m) => m[1]);
    named.push(...[...scripts.matchAll(/\b(charts\/[\w-]+)\b/g)].map((m) => m[1]));
    expect(named).toEqual(expect.arrayContaining(['.ci/run', 'lab-images/build.sh', 'platform-image/build.sh', 'test/cluster/build-tools.sh', 'charts/autolabs']));
    expect(named.filter((p) => !existsSync(path.join(ROOT, p)))).toEqual([]);
    const environments = Object.values(pipeline).flatMap((job) => (job.environment ? [job.environment.name] : []));
    expect(environments).toEqual(['dev', 'stage', 'prod']);
    expect(environments.filter((env) => !existsSync(path.join(ROOT, `charts/autolabs/values-${env}.yaml`)))).toEqual([]);
  });
});

describe('a pipeline file copied with a mistake', () => {
  it('fails the check: a deploy job without its script', async () => {
    const text = await readFile(path.join(ROOT, '.gitlab-ci.yml'), 'utf8');
    const broken = text.replace(/^\.deploy:\n(?:[ \t].*\n|\n)*/m, '.deploy:\n  stage: deploy\n\n');
    expect(broken).not.toBe(text);
    const r = await listJobs(broken);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('deploy-dev must have script specified');
  });
});
