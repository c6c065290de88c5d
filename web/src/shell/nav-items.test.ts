import { describe, expect, it } from 'vitest';
import { homeFor, navItemsFor } from './nav-items';

describe('navItemsFor', () => {
  it('offers students their labs, courses and SSH keys but no admin or teacher pages', () => {
    expect(navItemsFor('student').map((i) => i.to)).toEqual(['/my-labs', '/courses', '/ssh-keys']);
  });
  it('offers teachers lab configs, deployments, live sessions and recordings but not user administration', () => {
    const paths = navItemsFor('teacher').map((i) => i.to);
    expect(paths).toEqual(['/courses', '/labs', '/deployments', '/sessions', '/recordings', '/ssh-keys']);
  });
  it('offers admins the users page, quotas and the audit log', () => {
    expect(navItemsFor('admin').map((i) => i.to)).toContain('/admin/quotas');
    expect(navItemsFor('admin').map((i) => i.to)).toContain('/admin/audit');
    expect(navItemsFor('admin').map((i) => i.to)).toContain('/admin/users');
  });
});

describe('homeFor', () => {
  it('lands students on My labs and everyone else on Courses', () => {
    expect(homeFor('student')).toBe('/my-labs');
    expect(homeFor('teacher')).toBe('/courses');
  });
});
