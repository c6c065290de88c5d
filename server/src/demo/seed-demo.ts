/**
 * First-start demo data for an embedded install, so `npm start` opens onto something to try: accounts
 * admin / teacher / student / student2 with random passwords (returned once to be printed, and kept in
 * <AUTOLABS_DATA_DIR>/demo-accounts.txt, mode 0600), a course "Linux 101" with the teacher and both
 * students, every lab in lab-configs/ uploaded with one assignment each, and a global quota.
 * Idempotent: a database that has any user is left alone.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { hashPassword } from '../auth/password';
import type { Role } from '../auth/caller';
import type { ApiServices } from '../trpc/api-services';
import { storeLab } from '../trpc/lab-store';

export const DEFAULT_LAB_CONFIG_DIR = path.resolve(import.meta.dirname, '../../../lab-configs');

export interface DemoAccount {
  username: string;
  password: string;
  role: Role;
}

const ACCOUNTS: { username: string; displayName: string; role: Role }[] = [
  { username: 'admin', displayName: 'Ada Admin', role: 'admin' },
  { username: 'teacher', displayName: 'Tom Teacher', role: 'teacher' },
  { username: 'student', displayName: 'Sam Student', role: 'student' },
  { username: 'student2', displayName: 'Sasha Student', role: 'student' },
];

export async function seedDemo(
  services: ApiServices,
  opts: { labConfigDir?: string } = {},
): Promise<{ created: boolean; accounts?: DemoAccount[] }> {
  const prisma = services.db.prisma;
  if ((await prisma.user.count()) > 0) return { created: false };

  const accounts: DemoAccount[] = ACCOUNTS.map((a) => ({ username: a.username, role: a.role, password: randomBytes(9).toString('base64url') }));
  const hashes = await Promise.all(accounts.map((a) => hashPassword(a.password)));
  const users = await prisma.$transaction(
    ACCOUNTS.map((a, i) => prisma.user.create({ data: { username: a.username, displayName: a.displayName, role: a.role, passwordHash: hashes[i] } })),
  );
  const byName = new Map(users.map((u) => [u.username, u]));
  const teacher = byName.get('teacher');
  if (!teacher) throw new Error('demo teacher was not created');

  const course = await prisma.course.create({
    data: {
      code: 'LINUX-101',
      title: 'Linux 101',
      description: 'Shell basics, files and permissions, processes and networking — hands-on.',
      members: {
        create: [
          { userId: teacher.id, role: 'teacher' },
          ...['student', 'student2'].map((n) => ({ userId: (byName.get(n) ?? teacher).id, role: 'student' as const })),
        ],
      },
    },
  });

  const dir = opts.labConfigDir ?? DEFAULT_LAB_CONFIG_DIR;
  const files = (await readdir(dir).catch(() => [])).filter((f) => /\.ya?ml$/.test(f)).sort();
  for (const file of files) {
    const lab = await storeLab(services, await readFile(path.join(dir, file), 'utf8'), { createdById: teacher.id, courseId: course.id });
    await prisma.assignment.create({ data: { courseId: course.id, labConfigId: lab.id, title: lab.title, description: lab.description } });
  }

  await prisma.resourceQuota.create({ data: { scope: 'global', maxInstances: 3, maxCpuMillis: 6000, maxMemoryMi: 4096 } });

  const dataDir = services.env.AUTOLABS_DATA_DIR;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lines = accounts.map((a) => `${a.role.padEnd(8)} ${a.username} / ${a.password}`);
  await writeFile(path.join(dataDir, 'demo-accounts.txt'), `AutoLabs demo accounts\n${lines.join('\n')}\n`, { mode: 0o600 });
  return { created: true, accounts };
}
