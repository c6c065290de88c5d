/**
 * Attacks on a pod-mode lab's network from inside, tried for real: an image a teacher names may run as
 * container root, and container root must not be able to change the pod's network (its interfaces,
 * routes, sysctls or the egress firewall), as a Kubernetes container without NET_ADMIN cannot. The
 * attacker's image carries the host's `nft` (copied in with its libraries), so the firewall attack is the
 * real program, run by container root in the lab.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeHandle } from '@autolabs/server/runtime/lab-runtime';
import { LocalRuntime } from '@autolabs/server/runtime/local/local-runtime';
import { DEFAULT_POD_RUN_DIR, podRunPaths } from '@autolabs/common/lab-access/local/pod-run-dir';
import { BusyboxImages } from '@autolabs/server/runtime/local/testing/busybox-images';
import { busyboxLab } from '@autolabs/server/runtime/local/testing/busybox-lab';
import { removeDataDir } from '@autolabs/server/infra/testing/remove-data-dir';

const NFT = '/usr/sbin/nft';

/** Copies a host program and the libraries `ldd` names into a container's root file system. */
function copyIntoContainer(rootfs: string, program: string): void {
  if (!fs.existsSync(program)) throw new Error(`${program} is missing: install the Debian package "nftables"`);
  const libraries = execFileSync('ldd', [program], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
    .filter((p): p is string => p !== undefined);
  for (const file of [program, ...libraries]) {
    const target = path.join(rootfs, file === program ? path.join('bin', path.basename(program)) : file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
    fs.chmodSync(target, 0o755);
  }
}

/** What the pod's network looks like from the host (as host root, in the pod's network namespace). */
function podNetwork(netns: string): string {
  const inNet = (...argv: string[]) => execFileSync('/usr/bin/nsenter', [`--net=${netns}`, '--', ...argv], { encoding: 'utf8' });
  return [inNet('ip', '-br', 'link'), inNet('ip', 'route'), inNet('sysctl', '-n', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ping_group_range'), inNet(NFT, '--stateless', 'list', 'ruleset')].join('\n');
}

describe('container root against the pod network (real namespaces, bubblewrap and nft)', () => {
  let dataDir: string;
  let runtime: LocalRuntime;
  let handle: RuntimeHandle;
  const config = busyboxLab('netadmin-lab', { containers: [{ name: 'rooted', image: 'lab/root:1' }], network: { internet: true } });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'autolabs-netadmin-'));
    runtime = new LocalRuntime({ dataDir, log: pino({ level: 'silent' }), images: new BusyboxImages(path.join(dataDir, 'image')) });
    await runtime.checkAvailable();
    handle = await runtime.start({ instanceId: randomUUID(), ownerKey: 'student-1', labKey: 'netadmin-lab', config });
    copyIntoContainer(podRunPaths(DEFAULT_POD_RUN_DIR, handle.instanceId).rootfs('rooted'), NFT);
  });
  afterAll(async () => {
    if (handle) await runtime.destroy(handle);
    removeDataDir(dataDir);
  });

  it('cannot take lo down, add a route, change a network sysctl or flush the firewall, and the network is unchanged', async () => {
    const netns = podRunPaths(DEFAULT_POD_RUN_DIR, handle.instanceId).nsNet;
    const before = podNetwork(netns);
    // What host root set for the lab (ports below 1024, ping for every group) is there to be attacked.
    expect(before).toContain('\n0\n0\t2147483647\n');
    const attack = [
      'id -u',
      'ip link set lo down && echo LO-DOWN',
      'ip route add 10.99.0.0/16 dev lo && echo ROUTE-ADDED',
      'echo 1024 > /proc/sys/net/ipv4/ip_unprivileged_port_start && echo SYSCTL-WRITTEN',
      'nft flush ruleset && echo FLUSHED',
      'nft add table inet attacker && echo TABLE-ADDED',
      'echo attempted',
    ].join('; ');
    const out = await runtime.exec(handle, config, ['/bin/sh', '-c', attack], { container: 'rooted', timeoutMs: 20_000 });
    expect(out.stdout).toBe('0\nattempted\n');
    expect(out.stderr).toMatch(/Operation not permitted/);
    expect(podNetwork(netns)).toBe(before);
  });
});
