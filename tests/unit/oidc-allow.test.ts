import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@/lib/server/config';
import { identityOf } from '@/lib/server/auth/oidc';
import { isAllowed, parseAllowList, type AllowList, type Identity } from '@/lib/server/auth/oidc-allow';
import { parseRoleRules, roleFor, type RoleRule } from '@/lib/server/auth/oidc-roles';

// The single sign-on allow-list and role rules: exact matches only (CVE-2022-30034 was a pattern).

function list(text: string): AllowList {
  const parsed = parseAllowList(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

const person = (email: string | null, emailVerified = true, groups: string[] = []): Identity => ({ email, emailVerified, groups });

describe('allow-list', () => {
  const allow = list('alice@example.com, @corp.example.org, group:ops');

  it('admits an exact e-mail, a domain and a group', () => {
    expect(isAllowed(allow, person('alice@example.com'))).toBe(true);
    expect(isAllowed(allow, person('bob@corp.example.org'))).toBe(true);
    expect(isAllowed(allow, person(null, false, ['ops']))).toBe(true);
  });

  it('refuses look-alikes: suffixes, prefixes, subdomains, parents and other users of the domain', () => {
    for (const email of [
      'alice@example.com.evil.net',
      'alice@example.comm',
      'xalice@example.com',
      'alice@sub.example.com',
      'bob@example.com',
      'eve@evil.corp.example.org',
      'eve@example.org',
      'eve@corp.example.org.evil.net',
      'corp.example.org@evil.net',
      'eve@evil.net@corp.example.org.x',
    ]) {
      expect([email, isAllowed(allow, person(email))]).toEqual([email, false]);
    }
  });

  it('takes the domain after the last "@"', () => {
    // "x@evil.net"@corp.example.org is a (quoted) address at corp.example.org.
    expect(isAllowed(allow, person('x@evil.net@corp.example.org'))).toBe(true);
    expect(isAllowed(allow, person('bob@corp.example.org@evil.net'))).toBe(false);
  });

  it('compares e-mails and domains without case, groups with case', () => {
    expect(isAllowed(allow, person('ALICE@EXAMPLE.COM'))).toBe(true);
    expect(isAllowed(allow, person('Bob@Corp.Example.ORG'))).toBe(true);
    expect(isAllowed(list('Alice@Example.com'), person('alice@example.com'))).toBe(true);
    expect(isAllowed(allow, person(null, false, ['Ops']))).toBe(false);
    expect(isAllowed(allow, person(null, false, ['ops-team', 'devops']))).toBe(false);
  });

  it('ignores an unverified e-mail (but not the groups)', () => {
    expect(isAllowed(allow, person('alice@example.com', false))).toBe(false);
    expect(isAllowed(allow, person('bob@corp.example.org', false))).toBe(false);
    expect(isAllowed(allow, person('alice@example.com', false, ['ops']))).toBe(true);
  });

  it('refuses nobody-in-particular: no e-mail, no groups, an empty local part', () => {
    expect(isAllowed(allow, person(null))).toBe(false);
    expect(isAllowed(allow, person('@corp.example.org'))).toBe(false);
    expect(isAllowed(allow, person(''))).toBe(false);
  });

  it('rejects entries that are not exact: wildcards, bare words, bad domains, empty groups', () => {
    expect(parseAllowList('*@example.com')).toMatch(/wildcards are not supported/);
    expect(parseAllowList('@*.example.com')).toMatch(/wildcards/);
    expect(parseAllowList('example.com')).toMatch(/not an e-mail, an @domain or group:NAME/);
    expect(parseAllowList('@example')).toMatch(/is not a domain name/);
    expect(parseAllowList('@exa mple.com')).toMatch(/is not a domain name/);
    expect(parseAllowList('group:')).toMatch(/a group needs a name/);
    expect(parseAllowList(' , ')).toMatch(/empty/);
    expect(parseAllowList('a b@example.com')).toMatch(/not an e-mail address/);
  });
});

describe('role rules', () => {
  const rules = (text: string): RoleRule[] => {
    const parsed = parseRoleRules(text);
    if (typeof parsed === 'string') throw new Error(parsed);
    return parsed;
  };
  const r = rules('admin=trellis-admins,operator=trellis-ops,viewer=*');

  it('gives the highest role any rule gives, * to every allowed user', () => {
    expect(roleFor(r, ['trellis-admins'])).toBe('admin');
    expect(roleFor(r, ['trellis-ops', 'trellis-admins'])).toBe('admin');
    expect(roleFor(r, ['trellis-ops'])).toBe('operator');
    expect(roleFor(r, [])).toBe('viewer');
  });

  it('gives no role when no rule matches (default deny); groups match exactly', () => {
    const strict = rules('admin=trellis-admins, operator=trellis-ops, operator=sre');
    expect(roleFor(strict, [])).toBeNull();
    expect(roleFor(strict, ['Trellis-Admins', 'trellis-ops-old', 'ops'])).toBeNull();
    expect(roleFor(strict, ['sre'])).toBe('operator');
  });

  it('says what is wrong with a bad rule', () => {
    expect(parseRoleRules('superuser=root')).toMatch(/"superuser" is not a role \(viewer, operator, admin\)/);
    expect(parseRoleRules('admins')).toMatch(/must be role=group/);
    expect(parseRoleRules('admin=')).toMatch(/the group is missing/);
    expect(parseRoleRules('')).toMatch(/empty/);
  });
});

describe('claims to identity', () => {
  it('reads e-mail, its verification (boolean or "true") and the configured groups claim', () => {
    expect(identityOf({ sub: 's1', email: 'a@example.com', email_verified: 'true', roles: ['x', 3, 'y'] }, 'roles')).toMatchObject({ email: 'a@example.com', emailVerified: true, groups: ['x', 'y'], user: 'a@example.com' });
    expect(identityOf({ sub: 's2', email: 'a@example.com', email_verified: 'yes', groups: 'ops' }, 'groups')).toMatchObject({ emailVerified: false, groups: ['ops'], user: 'oidc:s2' });
    expect(identityOf({ sub: 's3', groups: { ops: true } }, 'groups')).toMatchObject({ email: null, groups: [] });
  });
});

describe('TRELLIS_AUTH=oidc configuration', () => {
  const base = {
    TRELLIS_AUTH: 'oidc',
    TRELLIS_OIDC_ISSUER: 'https://id.example.com',
    TRELLIS_OIDC_CLIENT_ID: 'trellis',
    TRELLIS_OIDC_CLIENT_SECRET: 's',
    TRELLIS_OIDC_ALLOW: '@example.com',
    TRELLIS_OIDC_ROLES: 'viewer=*',
  };
  const problems = (env: Record<string, string | undefined>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  };

  it('loads a complete configuration with the defaults for scopes and the groups claim', () => {
    const oidc = loadConfig(base).auth.oidc;
    expect(oidc).toMatchObject({ issuer: 'https://id.example.com', groupsClaim: 'groups', scopes: 'openid email profile', roles: [{ role: 'viewer', group: '*' }] });
    expect(loadConfig({}).auth.oidc).toBeNull();
  });

  it('names every missing and every bad variable', () => {
    expect(problems({ TRELLIS_AUTH: 'oidc' })).toEqual([
      expect.stringMatching(/^TRELLIS_OIDC_ISSUER: required/),
      expect.stringMatching(/^TRELLIS_OIDC_CLIENT_ID: required/),
      expect.stringMatching(/^TRELLIS_OIDC_CLIENT_SECRET: required/),
      expect.stringMatching(/^TRELLIS_OIDC_ALLOW: required/),
      expect.stringMatching(/^TRELLIS_OIDC_ROLES: required/),
    ]);
    expect(problems({ ...base, TRELLIS_OIDC_ALLOW: '*@example.com' })).toEqual([expect.stringMatching(/^TRELLIS_OIDC_ALLOW: "\*@example.com": wildcards/)]);
    expect(problems({ ...base, TRELLIS_OIDC_ROLES: 'root=*' })).toEqual([expect.stringMatching(/^TRELLIS_OIDC_ROLES: "root=\*": "root" is not a role/)]);
    expect(problems({ ...base, TRELLIS_OIDC_SCOPES: 'email profile' })).toEqual([expect.stringMatching(/must include "openid"/)]);
  });

  it('takes an http issuer on loopback only', () => {
    expect(problems({ ...base, TRELLIS_OIDC_ISSUER: 'http://127.0.0.1:9000' })).toEqual([]);
    expect(problems({ ...base, TRELLIS_OIDC_ISSUER: 'http://id.example.com' })).toEqual([expect.stringMatching(/^TRELLIS_OIDC_ISSUER: .*https:\/\//)]);
  });
});
