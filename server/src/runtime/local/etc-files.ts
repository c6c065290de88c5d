/**
 * The account files a sandbox sees instead of the host's: one student user and nothing else, so `id`,
 * `ls -l` and the shell prompt show a name and the host's accounts stay private.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const STUDENT_USER = 'student';

export async function writeEtcFiles(dir: string, opts: { uid: number; home: string; hostname: string }): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const files: Record<string, string> = {
    passwd: `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n${STUDENT_USER}:x:${opts.uid}:${opts.uid}:Student:${opts.home}:/bin/bash\n`,
    group: `root:x:0:\n${STUDENT_USER}:x:${opts.uid}:\n`,
    hosts: `127.0.0.1\tlocalhost\n127.0.1.1\t${opts.hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
    hostname: `${opts.hostname}\n`,
  };
  for (const [name, text] of Object.entries(files)) {
    await fs.writeFile(path.join(dir, name), text, { mode: 0o644 });
  }
}
