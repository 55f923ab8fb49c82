import { ROLES, type Role } from './roles';

// The Trellis role of a single sign-on user, from the groups claim (TRELLIS_OIDC_ROLES):
// "admin=trellis-admins,operator=trellis-ops,viewer=*". Each rule gives a role to the members of one
// group (exact, case included), or with `*` to every allowed user; a role may have several rules.
// The highest role any rule gives wins. No rule matches: no role, and the sign-in is refused.

export interface RoleRule {
  role: Role;
  /** A group name, or '*' for every allowed user. */
  group: string;
}

/** Parses the rules; a string says what is wrong with the first bad one. */
export function parseRoleRules(text: string): RoleRule[] | string {
  const rules: RoleRule[] = [];
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) return 'empty: map groups to roles (e.g. admin=trellis-admins,operator=trellis-ops,viewer=*)';
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq < 0) return `"${part}": must be role=group (e.g. admin=trellis-admins) or role=* (every allowed user)`;
    const role = part.slice(0, eq).trim();
    const group = part.slice(eq + 1).trim();
    if (!(ROLES as readonly string[]).includes(role)) return `"${part}": "${role}" is not a role (${ROLES.join(', ')})`;
    if (!group) return `"${part}": the group is missing (role=group or role=*)`;
    rules.push({ role: role as Role, group });
  }
  return rules;
}

/** The highest role the rules give to someone in `groups`, or null. */
export function roleFor(rules: readonly RoleRule[], groups: readonly string[]): Role | null {
  let best: Role | null = null;
  for (const rule of rules) {
    if (rule.group !== '*' && !groups.includes(rule.group)) continue;
    // ROLES is ordered from the least to the most.
    if (best === null || ROLES.indexOf(rule.role) > ROLES.indexOf(best)) best = rule.role;
  }
  return best;
}
