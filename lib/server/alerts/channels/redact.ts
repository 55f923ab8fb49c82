import 'server-only';
import { redactUrl } from '../../redis/url';
import type { Channel, ChannelType } from './schema';

// What the API and UI may show of a channel, and the scrubber every error message passes through
// before it is returned or logged: channel secrets (keys, passwords, webhook and Slack URLs, whose
// path is the credential) never leave this module's callers in clear.

export interface RedactedChannel {
  type: ChannelType;
  id: string;
  name: string | null;
  /** Where it delivers: host[:port] only (the path and query of a webhook URL are its secret). */
  targets: string[];
  /** E-mail recipients (addresses are not secrets; they tell on-call staff who is paged). */
  to?: string[];
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

function targetUrls(c: Channel): string[] {
  switch (c.type) {
    case 'webhook':
    case 'slack':
    case 'pagerduty':
      return [c.url];
    case 'alertmanager':
      return c.url;
    case 'email':
      return c.smtp !== undefined ? [c.smtp] : [`smtp://${c.host ?? ''}${c.port ? `:${c.port}` : ''}`];
  }
}

export function redactChannel(c: Channel): RedactedChannel {
  return {
    type: c.type,
    id: c.id,
    name: c.name ?? null,
    targets: targetUrls(c).map(hostOf),
    ...(c.type === 'email' ? { to: c.to } : {}),
  };
}

/** Every secret value of a channel, as it could appear in a text (raw and URL-encoded). */
export function secretsOf(c: Channel): string[] {
  const values: string[] = [];
  // A webhook or Slack URL is a credential as a whole (its path is the token); other URLs only hide a password.
  const addUrl = (url: string, whole: boolean) => {
    if (whole) values.push(url);
    try {
      const u = new URL(url);
      if (u.password) values.push(u.password, decodeURIComponent(u.password));
      if (whole && u.pathname.length > 1) values.push(u.pathname);
      if (whole && u.search) values.push(u.search.slice(1));
    } catch {
      // not a URL: the raw value above is enough
    }
  };
  switch (c.type) {
    case 'webhook':
      addUrl(c.url, true);
      values.push(c.secret, ...Object.values(c.headers ?? {}));
      break;
    case 'slack':
      addUrl(c.url, true);
      break;
    case 'pagerduty':
      values.push(c.routing_key);
      break;
    case 'email':
      if (c.smtp !== undefined) addUrl(c.smtp, false);
      if (c.password !== undefined) values.push(c.password);
      break;
    case 'alertmanager':
      for (const url of c.url) addUrl(url, false);
      break;
  }
  // Longest first, so a URL is replaced whole before its path; very short values would mangle text.
  return [...new Set(values.filter((v) => v.length >= 4))].sort((a, b) => b.length - a.length);
}

/** The text with every secret of the channel (and any URL password) replaced by ***, including a
 *  secret cut short at the end of a truncated text. */
export function scrub(text: string, c: Channel): string {
  let out = text;
  for (const secret of secretsOf(c)) {
    out = out.split(secret).join('***');
    for (let k = secret.length - 1; k >= 4; k--) {
      if (out.endsWith(secret.slice(0, k))) {
        out = `${out.slice(0, -k)}***`;
        break;
      }
    }
  }
  return redactUrl(out);
}
