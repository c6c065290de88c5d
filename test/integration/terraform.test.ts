/**
 * terraform/ checked by OpenTofu, offline: `tofu fmt -check -recursive`; `tofu init -backend=false` with the
 * Proxmox provider (bpg/proxmox) from a local plugin directory, then `tofu validate`; and `tofu test`, which
 * plans each environment's tfvars against a mocked provider (terraform/tests/plan.tftest.hcl), so every
 * variable's validation and every expression runs with dev's, stage's and prod's values. Both binaries are
 * built from the Go module proxy by `bash test/cluster/build-tools.sh tofu` (cached in ~/.cache/autolabs/bin;
 * .ci/run builds them). The checks run on copies of terraform/, so nothing (.terraform/, a lock file with
 * this machine's provider hashes) is written into the checkout; the broken copies show that each check fails.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinnedVersion, toolPath } from '../cluster/tools';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TOFU = toolPath('tofu', 'TOFU_VERSION');
const PROVIDER = toolPath('terraform-provider-proxmox', 'PROXMOX_PROVIDER_VERSION');
const ENVIRONMENTS = ['dev', 'stage', 'prod'];
/** tofu starts the provider plugin for init, validate and each plan: seconds each, more on a loaded machine. */
const TOFU_TIMEOUT_MS = 120_000;

interface Outcome {
  code: number;
  output: string;
}

let scratch: string;
let pluginDir: string;

function tofu(dir: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(TOFU, args, { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: scratch, TF_IN_AUTOMATION: '1', NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

/** A copy of terraform/, changed by `edit` (file -> new text), initialised when `init`. */
async function copyOfTerraform(name: string, edit: Record<string, (text: string) => string> = {}, init = true): Promise<string> {
  const dir = path.join(scratch, name);
  await cp(path.join(ROOT, 'terraform'), dir, { recursive: true, filter: (src) => !/\/\.terraform/.test(src) });
  for (const [file, change] of Object.entries(edit)) {
    const before = await readFile(path.join(dir, file), 'utf8');
    const after = change(before);
    expect(after, `the edit of ${file} changes it`).not.toBe(before);
    await writeFile(path.join(dir, file), after);
  }
  if (init) {
    const r = await tofu(dir, ['init', '-no-color', '-backend=false', '-input=false', `-plugin-dir=${pluginDir}`]);
    expect(r.output).toContain('OpenTofu has been successfully initialized');
  }
  return dir;
}

beforeAll(async () => {
  for (const bin of [TOFU, PROVIDER]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run bash test/cluster/build-tools.sh tofu (.ci/run does)`);
  }
  scratch = await mkdtemp(path.join(os.tmpdir(), 'terraform-'));
  // -plugin-dir reads a filesystem mirror's unpacked layout: <host>/<namespace>/<type>/<version>/<os_arch>/.
  const version = pinnedVersion('PROXMOX_PROVIDER_VERSION');
  const platform = path.join(scratch, 'plugins/registry.opentofu.org/bpg/proxmox', version.replace(/^v/, ''), 'linux_amd64');
  await mkdir(platform, { recursive: true });
  await symlink(PROVIDER, path.join(platform, `terraform-provider-proxmox_${version}`));
  pluginDir = path.join(scratch, 'plugins');
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('tofu fmt -check -recursive', { timeout: TOFU_TIMEOUT_MS }, () => {
  it('finds every file of terraform/ formatted', async () => {
    const r = await tofu(await copyOfTerraform('fmt', {}, false), ['fmt', '-check', '-recursive', '-diff']);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });

  it('fails on a copy with a misaligned argument, naming the file', async () => {
    const dir = await copyOfTerraform('fmt-broken', { 'environments/stage.tfvars': (t) => t.replace('environment     = "stage"', 'environment = "stage"') }, false);
    const r = await tofu(dir, ['fmt', '-check', '-recursive']);
    expect(r.code).not.toBe(0);
    expect(r.output.trim()).toBe('environments/stage.tfvars');
  });
});

describe('tofu validate', { timeout: TOFU_TIMEOUT_MS }, () => {
  it('passes, with the Proxmox provider from the local plugin directory', async () => {
    const r = await tofu(await copyOfTerraform('validate'), ['validate', '-no-color']);
    expect(r.output).toContain('Success! The configuration is valid.');
    expect(r.code).toBe(0);
  });

  it('fails on a copy giving a VM an argument the provider does not have', async () => {
    const dir = await copyOfTerraform('validate-broken', { 'modules/proxmox-vm/main.tf': (t) => t.replace('  agent {\n', '  cpu_count = 4\n\n  agent {\n') });
    const r = await tofu(dir, ['validate', '-no-color']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('An argument named "cpu_count" is not expected here.');
  });
});

describe('tofu test: each environment planned with its tfvars against a mocked provider', { timeout: TOFU_TIMEOUT_MS }, () => {
  it('has dev, stage and prod tfvars, as the design lays out', async () => {
    expect((await readdir(path.join(ROOT, 'terraform/environments'))).sort()).toEqual(ENVIRONMENTS.map((e) => `${e}.tfvars`).sort());
  });

  it.each(ENVIRONMENTS)('%s plans', async (environment) => {
    const r = await tofu(await copyOfTerraform(`plan-${environment}`), ['test', '-no-color', `-var-file=environments/${environment}.tfvars`]);
    expect(r.output).toContain('1 passed, 0 failed');
    expect(r.code).toBe(0);
  });

  it('fails on a copy of stage.tfvars giving two VMs one address', async () => {
    const dir = await copyOfTerraform('plan-broken', { 'environments/stage.tfvars': (t) => t.replace('host_number = 31', 'host_number = 20') });
    const r = await tofu(dir, ['test', '-no-color', '-var-file=environments/stage.tfvars']);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('Two VMs have the same host_number, so the same address.');
  });
});
