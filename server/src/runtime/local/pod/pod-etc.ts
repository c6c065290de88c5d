/**
 * The files that make an instance's containers find each other, as in a Pod: one network namespace, so
 * every container name resolves to the loopback address where all of them listen; one host name, the
 * terminal container's (what `hostname` prints in the student's shell).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export async function writePodEtc(dir: string, opts: { hostname: string; containers: string[] }): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const names = [...new Set([opts.hostname, ...opts.containers])].join(' ');
  const files: Record<string, string> = {
    hosts: `127.0.0.1\tlocalhost ${names}\n::1\tlocalhost ip6-localhost ip6-loopback ${names}\n`,
    hostname: `${opts.hostname}\n`,
  };
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text, { mode: 0o644 });
}

/** uid and gid of `user` in the image's /etc/passwd (a name, `uid`, or `uid:gid`); null when not there. */
export async function resolveImageUser(rootfs: string, user: string): Promise<{ uid: number; gid: number } | null> {
  const [who, group] = user === '' ? ['0', undefined] : user.split(':');
  let uid = /^\d+$/.test(who) ? Number(who) : null;
  let gid = group !== undefined && /^\d+$/.test(group) ? Number(group) : null;
  const passwd = await fs.readFile(path.join(rootfs, 'etc', 'passwd'), 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [name, , u, g] = line.split(':');
    if (name === who || (uid !== null && Number(u) === uid)) {
      uid = Number(u);
      gid ??= Number(g);
      break;
    }
  }
  if (uid === null || !Number.isInteger(uid) || uid < 0 || uid >= 65_536) return null;
  return { uid, gid: gid ?? uid };
}
