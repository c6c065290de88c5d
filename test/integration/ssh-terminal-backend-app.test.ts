/**
 * The ssh terminal backend chosen per installation (TERMINAL_BACKEND=ssh) in the embedded app in pod mode:
 * the app generates the platform key into its data directory, the runtime gives it to linux-basics' sshd
 * and pins the host key it publishes, the server signs that into the student's terminal ticket, and the
 * browser-side client's shell is an SSH session in the lab; so is the shell an SSH login through the front
 * door joins. `ssh host cmd` through the front door still runs in the lab with its exit status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WireClient } from '@autolabs/gateway/testing/wire-client';
import { freePort } from '@autolabs/common/testing/free-port';
import { waitFor } from '@autolabs/common/testing/wait-for';
import { startApp, type RunningApp } from '../browser/harness';
import { signIn, type AppUser } from '../ssh/app-client';
import { PtySsh } from '../ssh/pty-ssh';
import { runSsh, sshArgs, type SshTarget } from '../ssh/ssh-run';
import { generateKey, requireTool, type KeyPair } from '../ssh/ssh-tools';
import { buildImages, requireTools } from './lab-image-fixture';

let app: RunningApp;
let student: AppUser;
let instanceId: string;
let frontDoor: SshTarget;
let studentKey: KeyPair;

beforeAll(async () => {
  requireTool('ssh');
  requireTools(['skopeo', 'umoci', 'bwrap', 'socat']);
  app = await startApp({
    env: { LOCAL_LAB_IMAGES: 'images', LAB_IMAGE_REGISTRY: '', TERMINAL_BACKEND: 'ssh', GATEWAY_SSH_PORT: String(await freePort()) },
    // From the content cache in seconds; a cold cache builds every image first (minutes).
    prepareDataDir: async (dataDir) => void (await buildImages({ AUTOLABS_DATA_DIR: dataDir, LAB_IMAGE_REGISTRY: '' })),
    timeoutMs: 180_000,
  });
  student = await signIn(app.baseUrl, 'student', app.accounts.student.password);
  const assignment = (await student.query<{ id: string; lab: { name: string } }[]>('assignments.mine')).find((a) => a.lab.name === 'linux-basics');
  if (!assignment) throw new Error('no linux-basics assignment');
  instanceId = (await student.mutate<{ id: string }>('instances.start', { assignmentId: assignment.id })).id;
  let last = '';
  await waitFor(
    'linux-basics to run',
    async () => {
      const mine = await student.query<{ id: string; status: string; statusReason: string | null }[]>('instances.mine');
      const inst = mine.find((i) => i.id === instanceId);
      last = `${inst?.status} ${inst?.statusReason ?? ''}`;
      if (inst?.status === 'failed') throw new Error(`linux-basics failed to start: ${last}`);
      return inst?.status === 'running';
    },
    240_000,
  ).catch((e: Error) => {
    throw new Error(`${e.message} (last: ${last}); app log: ${app.output().slice(-2000)}`);
  });
  const access = await student.query<{ port: number; hostKey: string }>('sshKeys.access');
  frontDoor = { port: access.port, hostKey: access.hostKey };
  studentKey = generateKey('ed25519');
  await student.mutate('sshKeys.add', { name: 'laptop', publicKey: studentKey.publicLine });
}, 600_000);

afterAll(async () => {
  await app?.stop();
}, 120_000);

describe('TERMINAL_BACKEND=ssh in the embedded app (pod mode)', () => {
  it("opens the student's browser terminal as an SSH session in the lab's container", async () => {
    const { ticket } = await student.mutate<{ ticket: string }>('sessions.terminalTicket', { instanceId });
    const browser = await WireClient.connect({ url: `${app.baseUrl.replace('http', 'ws')}/gateway/ws`, ticket, origin: app.baseUrl, cols: 90, rows: 28 });
    browser.type('echo "$(id -un)@$(hostname) ssh=${SSH_CONNECTION:+yes}"; stty size\r');
    await browser.waitForText('student@shell ssh=yes', 20_000);
    await browser.waitForText('28 90');
    await browser.close();
  }, 60_000);

  it('still runs `ssh host cmd` through the front door in the lab, with its exit status', async () => {
    const r = await runSsh(frontDoor, studentKey.file, 'student', 'echo "in $(hostname) as $(id -un)"; exit 5');
    expect(r).toMatchObject({ code: 5, stdout: 'in shell as student\n' });
  }, 60_000);

  it("lets an SSH login through the front door join the student's shell, itself an SSH session in the lab", async () => {
    const ssh = new PtySsh(sshArgs(frontDoor, studentKey.file, 'student'), { cols: 100, rows: 30 });
    ssh.type('echo "door=$(hostname) lab-ssh=${SSH_CONNECTION:+yes}"\r');
    await ssh.waitFor(/door=shell lab-ssh=yes/);
    ssh.type('exit\r');
    expect(await ssh.exited).toBe(0);
  }, 60_000);
});
