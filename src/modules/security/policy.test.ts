import { describe, expect, it } from 'vitest';
import { ipAllowed, mfaRequiredFor, parseCidr, DEFAULT_POLICY } from './policy.js';

describe('IP allow-list', () => {
  it('allows everyone when empty', () => {
    expect(ipAllowed('203.0.113.5', [])).toBe(true);
  });
  it('matches IPv4 and IPv6 CIDR ranges and single addresses', () => {
    const list = ['10.1.0.0/16', '2001:db8:abcd::/48', '198.51.100.7'];
    expect(ipAllowed('10.1.200.3', list)).toBe(true);
    expect(ipAllowed('10.2.0.1', list)).toBe(false);
    expect(ipAllowed('2001:db8:abcd:12::1', list)).toBe(true);
    expect(ipAllowed('2001:db8:abce::1', list)).toBe(false);
    expect(ipAllowed('198.51.100.7', list)).toBe(true);
    expect(ipAllowed('198.51.100.8', list)).toBe(false);
  });
  it('treats IPv4-mapped IPv6 client addresses as IPv4 (dual-stack sockets)', () => {
    expect(ipAllowed('::ffff:10.1.2.3', ['10.1.0.0/16'])).toBe(true);
    expect(ipAllowed('::ffff:10.9.2.3', ['10.1.0.0/16'])).toBe(false);
    expect(ipAllowed('10.1.2.3', ['::ffff:10.1.0.0/112'])).toBe(true);
  });
  it('fails closed on a missing or malformed client address', () => {
    expect(ipAllowed(null, ['10.0.0.0/8'])).toBe(false);
    expect(ipAllowed('not-an-ip', ['10.0.0.0/8'])).toBe(false);
  });
  it('rejects malformed ranges', () => {
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('300.1.1.1')).toBeNull();
    expect(parseCidr('2001:db8::/129')).toBeNull();
    expect(parseCidr('2001:db8::/32')).not.toBeNull();
  });
});

describe('MFA requirement', () => {
  it('applies to everyone, to admins only, or to nobody', () => {
    expect(mfaRequiredFor({ ...DEFAULT_POLICY, mfaRequired: 'off' }, ['tenant_admin'])).toBe(false);
    expect(mfaRequiredFor({ ...DEFAULT_POLICY, mfaRequired: 'admins' }, ['tenant_admin'])).toBe(true);
    expect(mfaRequiredFor({ ...DEFAULT_POLICY, mfaRequired: 'admins' }, ['contract_manager'])).toBe(false);
    expect(mfaRequiredFor({ ...DEFAULT_POLICY, mfaRequired: 'all' }, ['viewer'])).toBe(true);
  });
});
