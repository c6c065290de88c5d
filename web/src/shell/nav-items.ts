/**
 * Which pages each role sees, in one table. The server enforces every permission; this only keeps the
 * navigation honest, so a student is not offered a page that would answer FORBIDDEN.
 */
export type NavRole = 'admin' | 'teacher' | 'student' | 'viewer';

export interface NavItem {
  to: string;
  label: string;
  roles: readonly NavRole[];
}

export const NAV_ITEMS: readonly NavItem[] = [
  { to: '/my-labs', label: 'My labs', roles: ['student'] },
  { to: '/courses', label: 'Courses', roles: ['admin', 'teacher', 'student', 'viewer'] },
  { to: '/labs', label: 'Lab configs', roles: ['admin', 'teacher'] },
  { to: '/deployments', label: 'Deployments', roles: ['admin', 'teacher'] },
  { to: '/sessions', label: 'Live sessions', roles: ['admin', 'teacher'] },
  { to: '/recordings', label: 'Recordings', roles: ['admin', 'teacher'] },
  { to: '/ssh-keys', label: 'SSH keys', roles: ['admin', 'teacher', 'student'] },
  { to: '/admin/users', label: 'Users', roles: ['admin'] },
  { to: '/admin/quotas', label: 'Quotas', roles: ['admin'] },
  { to: '/admin/audit', label: 'Audit log', roles: ['admin'] },
];

export function navItemsFor(role: NavRole): NavItem[] {
  return NAV_ITEMS.filter((item) => item.roles.includes(role));
}

/** Where a user lands after login. */
export function homeFor(role: NavRole): string {
  return role === 'student' ? '/my-labs' : '/courses';
}
