/**
 * LocalRuntime when AutoLabs does not run as root: bubblewrap puts the student in a user namespace
 * (uid 1000 inside, the AutoLabs user outside). The runtime runs in a child process as `nobody` (65534)
 * so this path is exercised for real on a machine where the tests themselves run as root. The child
 * loads its code as root and only then drops to `nobody` (groups, gid, uid, so no capability is left):
 * the checkout may sit under a directory that `nobody` cannot read.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NOBODY = 65534;

const script = `
import pino from 'pino';
const { LocalRuntime } = await import('${repoRoot}/server/src/runtime/local/local-runtime.ts');
const { labConfigSchema } = await import('${repoRoot}/server/src/labs/lab-config.ts');
const { loadEnv } = await import('${repoRoot}/common/src/config/env.ts');
const { localRuntimeOptions, POD_MODE_NEEDS_ROOT } = await import('${repoRoot}/server/src/runtime/local/local-runtime-options.ts');
process.chdir(process.env.PROBE_DATA_DIR);
process.setgroups([]);
process.setgid(${NOBODY});
process.setuid(${NOBODY});
// As \`npm start\` makes it: LOCAL_LAB_IMAGES defaults to images, which needs root.
const rt = new LocalRuntime(localRuntimeOptions(loadEnv({ AUTOLABS_DATA_DIR: process.env.PROBE_DATA_DIR }), pino({ level: 'silent' })));
await rt.checkAvailable();
const config = labConfigSchema.parse({ apiVersion: 'autolabs.io/v1', kind: 'Lab', metadata: { name: 'userns-lab', title: 'U' },
  spec: { containers: [{ name: 'shell', image: 'debian', terminal: true, resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } } }] } });
const handle = await rt.start({ instanceId: 'userns-probe', ownerKey: 'u-a', labKey: 'userns-lab', config });
const inside = await rt.exec(handle, config, ['/bin/sh', '-c',
  'id -u; readlink /proc/self/ns/user; ulimit -v; grep CapEff /proc/self/status; env | grep -c SECRET; test -e /work && echo WORK; test -e "$PROBE_DATA_DIR" && echo DATA; unshare -U true 2>/dev/null && echo NESTED-USERNS; echo kept > ~/kept.txt; true']);
await rt.stop(handle);
const twoContainers = labConfigSchema.parse({ ...config, spec: { ...config.spec, containers: [...config.spec.containers, { name: 'web', image: 'nginx' }] } });
const notes = rt.limitations(twoContainers);
process.stdout.write(JSON.stringify({ handle, status: await rt.status(handle), inside, notes, podModeNote: notes[0] === POD_MODE_NEEDS_ROOT }));
`;

type ProbeResult = { handle: { uid: number | null }; status: { phase: string }; inside: { exitCode: number; stdout: string }; notes: string[]; podModeNote: boolean };

describe('LocalRuntime without root (user namespace mode)', () => {
  let dataDir: string;
  let result: ProbeResult;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-userns-'));
    fs.chownSync(dataDir, NOBODY, NOBODY);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: repoRoot, env: { PATH: '/usr/bin:/bin', HOME: dataDir, PROBE_DATA_DIR: dataDir, SECRET_TOKEN: 'do-not-leak' }, timeout: 60_000 },
    );
    result = JSON.parse(stdout) as ProbeResult;
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('maps the student to uid 1000 in its own user namespace, refuses nested ones, keeps the home and leaks no secrets', () => {
    expect(result.handle.uid).toBeNull();
    const [uid, userNs, vmLimit, capEff, secrets, ...rest] = result.inside.stdout.trim().split('\n');
    expect(uid).toBe('1000');
    expect(userNs).not.toBe(fs.readlinkSync('/proc/self/ns/user'));
    expect(vmLimit).toBe(String(256 * 1024));
    expect(capEff).toBe('CapEff:\t0000000000000000');
    expect(secrets).toBe('0');
    expect(rest).toEqual([]);
    expect(result.status).toEqual({ phase: 'stopped' });
    const kept = path.join(dataDir, 'labs', 'userns-probe', 'home', 'kept.txt');
    expect(fs.readFileSync(kept, 'utf8')).toBe('kept\n');
    expect(fs.statSync(kept).uid).toBe(NOBODY);
  });

  it('tells the teacher first that labs run without their images because AutoLabs is not root, and the command that fixes it', () => {
    expect(result.podModeNote).toBe(true);
    expect(result.notes[0]).toContain('AutoLabs does not run as root');
    expect(result.notes[0]).toContain('sudo npm start');
    expect(result.notes[1]).toBe('Only the terminal container (shell) runs in the local runtime; the other containers (web) run only on Kubernetes, and checks in them fail here.');
  });
});
