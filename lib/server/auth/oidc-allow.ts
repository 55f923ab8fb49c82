// Who may sign in with single sign-on (TRELLIS_OIDC_ALLOW): exact e-mails, whole domains and groups,
// compared as whole strings — never a pattern or a substring (Flower's CVE-2022-30034 let
// `alice@example.com.evil.net` in through an unanchored regex). Pure: no I/O, no provider.
//
// Case rules: e-mail addresses and domains compare case-insensitively (providers and mail systems
// treat them so: `ALICE@Example.COM` is Alice); group names compare exactly, case included (they
// are identifiers in the provider). A domain is the part after the LAST "@" and must equal the
// listed domain: `@example.com` does not admit `sub.example.com` (list it too if you mean it).
// E-mails count only when the provider says they are verified (`email_verified: true`).

export interface AllowList {
  emails: ReadonlySet<string>;
  domains: ReadonlySet<string>;
  groups: ReadonlySet<string>;
}

/** What the provider told us about the person (ID token and userinfo claims, already merged). */
export interface Identity {
  email: string | null;
  emailVerified: boolean;
  groups: readonly string[];
}

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;
const LOCAL = /^[^\s@"(),:;<>[\\\]]{1,64}$/;

/** Parses the comma-separated allow-list; a string names the first bad entry. */
export function parseAllowList(text: string): AllowList | string {
  const emails = new Set<string>();
  const domains = new Set<string>();
  const groups = new Set<string>();
  const entries = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) return 'empty: list who may sign in (e.g. alice@example.com,@example.com,group:ops)';
  for (const entry of entries) {
    if (entry.includes('*')) return `"${entry}": wildcards are not supported; list e-mails, @domains or group:NAME exactly`;
    if (entry.startsWith('group:')) {
      const group = entry.slice('group:'.length);
      if (!group) return `"${entry}": a group needs a name (group:ops)`;
      groups.add(group);
      continue;
    }
    const at = entry.lastIndexOf('@');
    if (at < 0) return `"${entry}": not an e-mail, an @domain or group:NAME`;
    const local = entry.slice(0, at);
    const domain = entry.slice(at + 1).toLowerCase();
    if (!DOMAIN.test(domain)) return `"${entry}": "${domain}" is not a domain name`;
    if (local === '') domains.add(domain);
    else if (LOCAL.test(local)) emails.add(`${local.toLowerCase()}@${domain}`);
    else return `"${entry}": not an e-mail address`;
  }
  return { emails, domains, groups };
}

/** True when the identity matches an entry exactly. */
export function isAllowed(list: AllowList, who: Identity): boolean {
  if (who.groups.some((g) => list.groups.has(g))) return true;
  if (!who.email || !who.emailVerified) return false;
  const email = who.email.toLowerCase();
  const at = email.lastIndexOf('@');
  if (at <= 0) return false;
  return list.emails.has(email) || list.domains.has(email.slice(at + 1));
}
