import { describe, expect, it } from 'vitest';
import { PendingLimit, type Admission } from './pending-limit';

const release = (a: Admission) => (a.ok ? a.release : () => expect.unreachable('refused'));

describe('PendingLimit', () => {
  it('admits up to the limit per client, refuses beyond it, and admits again once a slot is released', () => {
    const limit = new PendingLimit(2);
    const a = limit.admit('192.0.2.1');
    expect(limit.admit('192.0.2.1').ok).toBe(true);
    expect(limit.admit('192.0.2.1').ok).toBe(false);
    release(a)();
    expect(limit.admit('192.0.2.1').ok).toBe(true);
  });

  it('counts clients apart: one client at its limit does not hold back another', () => {
    const limit = new PendingLimit(1);
    expect(limit.admit('192.0.2.1').ok).toBe(true);
    expect(limit.admit('192.0.2.1').ok).toBe(false);
    expect(limit.admit('192.0.2.2').ok).toBe(true);
  });

  it('marks only the first refusal while the client stays at its limit', () => {
    const limit = new PendingLimit(1);
    const a = limit.admit('192.0.2.1');
    expect(limit.admit('192.0.2.1')).toEqual({ ok: false, first: true });
    expect(limit.admit('192.0.2.1')).toEqual({ ok: false, first: false });
    release(a)();
    limit.admit('192.0.2.1');
    expect(limit.admit('192.0.2.1')).toEqual({ ok: false, first: true });
  });

  it('frees a slot once however often its release runs', () => {
    const limit = new PendingLimit(3);
    const a = limit.admit('192.0.2.1');
    limit.admit('192.0.2.1');
    release(a)();
    release(a)();
    expect(limit.heldBy('192.0.2.1')).toBe(1);
  });

  it('counts an IPv6 client by its /64 and a mapped IPv4 address as the IPv4 client', () => {
    const limit = new PendingLimit(1);
    expect(limit.admit('2001:db8:1:2::a').ok).toBe(true);
    expect(limit.admit('2001:db8:1:2::b').ok).toBe(false);
    expect(limit.admit('192.0.2.7').ok).toBe(true);
    expect(limit.admit('::ffff:192.0.2.7').ok).toBe(false);
  });
});
