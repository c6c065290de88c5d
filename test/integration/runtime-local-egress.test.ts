/**
 * Pod-mode egress with real traffic: pasta, the nftables table in the pod's network and real sockets.
 * There is no internet here, so the test builds one: a network namespace with a public-looking address
 * (TEST-NET-3, 203.0.113.10) behind a veth pair, serving HTTP on ports 80 and 8080. Beside it, what a lab
 * must never reach: a service on the host's loopback, and the host's own addresses (on the veth's host
 * end), one private (10.213.7.1) and one public-looking (198.51.100.7, which only the "host's own addresses"
 * rule refuses). Refusals are a reject ("No route to host" at once), counted in the pod's `refused` chain.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabConfig } from '@autolabs/server/labs/lab-config';
import type { RuntimeHandle } from '@autolabs/server/runtime/lab-runtime';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import { EGRESS_TABLE } from '@autolabs/server/runtime/local/pod/egress-rules';
import { DEFAULT_POD_RUN_DIR, podRunPaths } from '@autolabs/common/lab-access/local/pod-run-dir';
import { BUSYBOX, BusyboxImages } from '@autolabs/server/runtime/local/testing/busybox-images';
import { busyboxLab } from '@autolabs/server/runtime/local/testing/busybox-lab';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';
import { waitFor } from '@autolabs/common/testing/wait-for';

const INTERNET = '203.0.113.10';
const HOST_PRIVATE = '10.213.7.1';
const HOST_PUBLIC = '198.51.100.7';
const METADATA = '169.254.169.254';
const REFUSED = 'No route to host';

for (const [tool, pkg] of [['/usr/bin/pasta', 'passt'], ['/usr/sbin/nft', 'nftables'], ['/usr/sbin/ip', 'iproute2'], [BUSYBOX, 'busybox-static']]) {
  if (!fs.existsSync(tool)) throw new Error(`${tool} is missing: install the Debian package "${pkg}"`);
}

const lab = (name: string, network: object, web = false): LabConfig =>
  busyboxLab(name, { network, containers: web ? [{ name: 'web', image: 'lab/web:1', ports: [{ containerPort: 8081 }] }] : [] });

const ip = (...args: string[]) => execFileSync('/usr/sbin/ip', args, { encoding: 'utf8' });

/** The fake internet and the host's extra addresses; `close` removes every trace. */
async function fakeNetwork(): Promise<{ hostPort: number; close: () => Promise<void> }> {
  const tag = randomBytes(3).toString('hex');
  const ns = `al-inet-${tag}`;
  const [hostEnd, nsEnd] = [`alvh${tag}`, `alvn${tag}`];
  const servers: ChildProcess[] = [];
  const www = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-inet-'));
  fs.writeFileSync(path.join(www, 'index.html'), 'fake internet\n');
  const host = http.createServer((_req, res) => res.end('host service\n'));
  const close = async () => {
    for (const s of servers) s.kill('SIGKILL');
    if (host.listening) await new Promise((r) => host.close(r));
    if (ip('netns', 'list').includes(ns)) ip('netns', 'del', ns);
    fs.rmSync(www, { recursive: true, force: true });
  };
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nsEnd);
    ip('link', 'set', nsEnd, 'netns', ns);
    ip('addr', 'add', '203.0.113.1/24', 'dev', hostEnd);
    ip('link', 'set', hostEnd, 'up');
    for (const cmd of [['addr', 'add', `${INTERNET}/24`, 'dev', nsEnd], ['link', 'set', nsEnd, 'up'], ['link', 'set', 'lo', 'up'], ['route', 'add', 'default', 'via', '203.0.113.1']]) ip('-n', ns, ...cmd);
    for (const port of ['80', '8080']) {
      servers.push(spawn('/usr/sbin/ip', ['netns', 'exec', ns, BUSYBOX, 'httpd', '-f', '-p', `${INTERNET}:${port}`, '-h', www], { stdio: 'ignore' }));
    }
    // The host's own extra addresses (this kernel has no dummy interfaces; the veth's host end holds them).
    ip('addr', 'add', `${HOST_PRIVATE}/32`, 'dev', hostEnd);
    ip('addr', 'add', `${HOST_PUBLIC}/32`, 'dev', hostEnd);
    await new Promise<void>((resolve) => host.listen(0, '0.0.0.0', resolve));
    for (const port of [80, 8080]) await waitFor(`the fake internet on port ${port}`, () => connects(INTERNET, port), 10_000);
  } catch (e) {
    await close();
    throw e;
  }
  return { hostPort: (host.address() as net.AddressInfo).port, close };
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Packets the pod's firewall refused so far. */
function refusedPackets(instanceId: string): number {
  const out = execFileSync('/usr/bin/nsenter', [`--net=${podRunPaths(DEFAULT_POD_RUN_DIR, instanceId).nsNet}`, '--', '/usr/sbin/nft', 'list', 'chain', 'inet', EGRESS_TABLE, 'refused'], { encoding: 'utf8' });
  return Number(/counter packets (\d+)/.exec(out)?.[1]);
}

describe('LocalRuntime pod mode: internet and allowedEgress (real pasta, nftables and traffic)', () => {
  let dataDir: string;
  let runtime: LocalRuntime;
  let network: Awaited<ReturnType<typeof fakeNetwork>>;
  const handles: RuntimeHandle[] = [];

  beforeAll(async () => {
    network = await fakeNetwork();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-egress-'));
    const images = new BusyboxImages(path.join(dataDir, 'image'), { 'lab/web:1': { cmd: ['/bin/httpd', '-f', '-p', '8081', '-h', '/www'], user: 'www' } });
    // Host names resolve here as a resolver would answer them (there is no DNS server to point at).
    const resolveHost = async (host: string) => (host === 'inet.example' ? [INTERNET] : []);
    runtime = new LocalRuntime({ dataDir, log: pino({ level: 'silent' }), images, resolveHost });
    await runtime.checkAvailable();
  });
  afterAll(async () => {
    for (const h of handles) await runtime.destroy(h);
    if (dataDir) removeDataDir(dataDir);
    await network?.close();
  });

  async function started(config: LabConfig): Promise<RuntimeHandle> {
    const handle = await runtime.start({ instanceId: randomUUID(), ownerKey: `student-${handles.length}`, labKey: config.metadata.name, config });
    handles.push(handle);
    return handle;
  }

  /** One line per URL: what busybox wget printed fetching it from the lab's terminal container. */
  async function fetchAll(handle: RuntimeHandle, config: LabConfig, urls: string[]): Promise<Record<string, string>> {
    const script = 'for u in "$@"; do printf "%s => %s\\n" "$u" "$(timeout 5 wget -qO- "$u" 2>&1 | tr "\\n" " ")"; done';
    const out = await runtime.exec(handle, config, ['/bin/sh', '-c', script, 'fetch', ...urls], { timeoutMs: 30_000 });
    return Object.fromEntries(out.stdout.split('\n').filter(Boolean).map((line) => line.split(' => ').map((part) => part.trim()) as [string, string]));
  }

  /** Fetches each URL in turn, noting whether the pod's firewall counted a refusal while it did. */
  async function fetchCounted(handle: RuntimeHandle, config: LabConfig, urls: string[]): Promise<Record<string, string>> {
    const result: Record<string, string> = {};
    for (const url of urls) {
      const before = refusedPackets(handle.instanceId);
      const answer = (await fetchAll(handle, config, [url]))[url];
      result[url] = refusedPackets(handle.instanceId) > before ? `refused by the pod's firewall: ${answer}` : answer;
    }
    return result;
  }

  it('tells the teacher nothing is left out: with passt and nftables installed, egress runs as written', () => {
    expect([runtime.limitations(lab('online', { internet: true })), runtime.limitations(lab('allowed', { allowedEgress: [{ host: 'deb.debian.org' }] }))]).toEqual([[], []]);
  });

  it('internet: false reaches nothing: not the internet, not the host, not its private addresses', async () => {
    const config = lab('offline', { internet: false });
    const handle = await started(config);
    const got = await fetchAll(handle, config, [`http://${INTERNET}/`, `http://${HOST_PRIVATE}:${network.hostPort}/`, `http://127.0.0.1:${network.hostPort}/`]);
    expect(got[`http://${INTERNET}/`]).toContain('Network is unreachable');
    expect(got[`http://${HOST_PRIVATE}:${network.hostPort}/`]).toContain('Network is unreachable');
    expect(got[`http://127.0.0.1:${network.hostPort}/`]).toContain('Connection refused');
    expect((await runtime.exec(handle, config, ['/bin/sh', '-c', 'cat /etc/resolv.conf 2>&1 || true'])).stdout).not.toContain('nameserver');
  });

  it('internet: true reaches the internet, but not the host (its addresses, private or public, and its loopback) nor 169.254.169.254', async () => {
    const config = lab('online', { internet: true });
    const handle = await started(config);
    const gateway = ip('-4', 'route', 'show', 'default').split(' ')[2];
    const port = network.hostPort;
    const got = await fetchCounted(handle, config, [`http://${INTERNET}/`, `http://${INTERNET}:8080/`, `http://${HOST_PRIVATE}:${port}/`, `http://${HOST_PUBLIC}:${port}/`, `http://${METADATA}/`]);
    expect(got).toEqual({
      [`http://${INTERNET}/`]: 'fake internet',
      [`http://${INTERNET}:8080/`]: 'fake internet',
      [`http://${HOST_PRIVATE}:${port}/`]: `refused by the pod's firewall: wget: can't connect to remote host (${HOST_PRIVATE}): ${REFUSED}`,
      [`http://${HOST_PUBLIC}:${port}/`]: `refused by the pod's firewall: wget: can't connect to remote host (${HOST_PUBLIC}): ${REFUSED}`,
      [`http://${METADATA}/`]: `refused by the pod's firewall: wget: can't connect to remote host (${METADATA}): ${REFUSED}`,
    });
    // The host's loopback: 127.0.0.1 is the pod's own, and the gateway address is not mapped to the host.
    const loopback = await fetchAll(handle, config, [`http://127.0.0.1:${port}/`, `http://${gateway}:${port}/`]);
    expect(loopback[`http://127.0.0.1:${port}/`]).toContain('Connection refused');
    expect(loopback[`http://${gateway}:${port}/`]).not.toContain('host service');
    const dns = await runtime.exec(handle, config, ['/bin/cat', '/etc/resolv.conf']);
    expect(dns.stdout).toBe('nameserver 169.254.1.1\n');
  });

  it("allowedEgress {cidr, ports: [80]} reaches that port, and names through pasta's DNS forwarder only: not another port there, nor the host's resolver, nor anything else", async () => {
    const config = lab('allowed', { allowedEgress: [{ cidr: `${INTERNET}/32`, ports: [80] }] });
    const handle = await started(config);
    const got = await fetchCounted(handle, config, [`http://${INTERNET}/`, `http://${INTERNET}:8080/`, `http://203.0.113.1:${network.hostPort}/`, `http://${HOST_PRIVATE}:${network.hostPort}/`]);
    expect(got).toEqual({
      [`http://${INTERNET}/`]: 'fake internet',
      [`http://${INTERNET}:8080/`]: `refused by the pod's firewall: wget: can't connect to remote host (${INTERNET}): ${REFUSED}`,
      [`http://203.0.113.1:${network.hostPort}/`]: `refused by the pod's firewall: wget: can't connect to remote host (203.0.113.1): ${REFUSED}`,
      [`http://${HOST_PRIVATE}:${network.hostPort}/`]: `refused by the pod's firewall: wget: can't connect to remote host (${HOST_PRIVATE}): ${REFUSED}`,
    });
    // DNS is allowed, through pasta's forwarder only: the host's own resolver is not reachable directly.
    const name = 'deb.debian.org';
    const [hostAnswer] = execFileSync('getent', ['hosts', name], { encoding: 'utf8' }).split(/\s+/);
    const upstream = /^nameserver\s+(\S+)/m.exec(fs.readFileSync('/etc/resolv.conf', 'utf8'))?.[1] ?? '';
    const dns = await runtime.exec(handle, config, ['/bin/sh', '-c', `nslookup ${name} | grep -c "Address: ${hostAnswer}$"; timeout 5 nslookup ${name} ${upstream} >/dev/null 2>&1 || echo direct-refused`]);
    expect(dns.stdout).toBe('1\ndirect-refused\n');
  });

  it('allowedEgress by host name allows the addresses it resolved to at start; a name that does not resolve allows nothing and is reported', async () => {
    const config = lab('by-name', { allowedEgress: [{ host: 'inet.example' }, { host: 'nowhere.example' }] });
    const progress: string[] = [];
    const handle = await runtime.start({ instanceId: randomUUID(), ownerKey: 'student-by-name', labKey: 'by-name', config }, (e) => progress.push(e.message));
    handles.push(handle);
    expect(progress).toContain('allowedEgress: nowhere.example did not resolve; it allows nothing');
    const got = await fetchCounted(handle, config, [`http://${INTERNET}:8080/`, `http://203.0.113.1:${network.hostPort}/`]);
    expect(got).toEqual({
      [`http://${INTERNET}:8080/`]: 'fake internet',
      [`http://203.0.113.1:${network.hostPort}/`]: `refused by the pod's firewall: wget: can't connect to remote host (203.0.113.1): ${REFUSED}`,
    });
  });

  it("a second lab with internet cannot reach the first one's service, and neither can the host", async () => {
    const first = lab('first', { internet: true }, true);
    const firstHandle = await started(first);
    expect((await fetchAll(firstHandle, first, ['http://web:8081/']))['http://web:8081/']).toBe('served by the web container');
    const second = lab('second', { internet: true });
    const secondHandle = await started(second);
    const hostAddresses = Object.values(os.networkInterfaces()).flatMap((l) => (l ?? []).filter((i) => i.family === 'IPv4').map((i) => i.address));
    const got = await fetchAll(secondHandle, second, hostAddresses.map((a) => `http://${a}:8081/`));
    for (const [url, answer] of Object.entries(got)) expect(answer, url).not.toContain('served by the web container');
    for (const address of hostAddresses) expect(await connects(address, 8081), address).toBe(false);
  });

  it('stop ends pasta and destroy leaves nothing of the network; a start after pasta died brings it back', async () => {
    const config = lab('restart', { internet: true });
    const handle = await started(config);
    const run = podRunPaths(DEFAULT_POD_RUN_DIR, handle.instanceId);
    const pid = Number(fs.readFileSync(path.join(run.net, 'pasta.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitFor('pasta to be gone', () => !fs.existsSync(`/proc/${pid}/cmdline`) || fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === '');
    expect(await runtime.status(handle)).toEqual({ phase: 'failed', reason: 'the lab network (pasta) is not running; start the lab again' });
    await runtime.start({ instanceId: handle.instanceId, ownerKey: 'student-restart', labKey: 'restart', config });
    expect(await runtime.status(handle)).toEqual({ phase: 'running' });
    expect((await fetchAll(handle, config, [`http://${INTERNET}/`]))[`http://${INTERNET}/`]).toBe('fake internet');
    const again = Number(fs.readFileSync(path.join(run.net, 'pasta.pid'), 'utf8'));
    await runtime.stop(handle);
    expect(fs.existsSync(`/proc/${again}/cmdline`) && fs.readFileSync(`/proc/${again}/cmdline`, 'utf8') !== '').toBe(false);
    expect(fs.existsSync(run.dir)).toBe(false);
  });
});
