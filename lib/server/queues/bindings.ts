import 'server-only';
import { parseBindingMember } from '../celery/names';
import type { TrellisContext } from '../context';

// Queues and routes from the `_kombu.binding.<exchange>` sets (protocol doc §4.3, §4.6), as the
// discovery job (discovery-scan.ts) last read them into the store: reading them costs the broker
// nothing. Bindings go stale: hints, never liveness.
// The same members route a message's (exchange, routing key) to queues as kombu's lookup does:
// a member with a pattern is a topic binding (kombu stores the regex it matches with), one with
// neither key nor pattern matches every key (fanout: Redis keeps no exchange type), the rest match
// their routing key exactly (direct).

export const routeKey = (exchange: string, routingKey: string) => `${exchange}\u0000${routingKey}`;

/**
 * Routes of named exchanges. As a Map it holds the direct routes (`routeKey(exchange, key)` →
 * queues); `lookup` adds the topic and fanout bindings.
 */
export class RouteTable extends Map<string, string[]> {
  private readonly topics = new Map<string, Array<{ match: RegExp | null; queue: string }>>();
  private readonly fanouts = new Map<string, string[]>();

  add(exchange: string, member: { routingKey: string; pattern: string; queue: string }): void {
    if (member.pattern !== '') {
      const list = this.topics.get(exchange) ?? [];
      list.push({ match: topicRegex(member.pattern), queue: member.queue });
      this.topics.set(exchange, list);
    } else if (member.routingKey === '') {
      pushNew(this.fanouts, exchange, member.queue);
    } else {
      pushNew(this, routeKey(exchange, member.routingKey), member.queue);
    }
  }

  lookup(exchange: string, routingKey: string): string[] {
    const out = [...(this.get(routeKey(exchange, routingKey)) ?? [])];
    for (const t of this.topics.get(exchange) ?? []) if (t.match?.test(routingKey) && !out.includes(t.queue)) out.push(t.queue);
    for (const q of this.fanouts.get(exchange) ?? []) if (!out.includes(q)) out.push(q);
    return out;
  }
}

function pushNew(map: Map<string, string[]>, key: string, queue: string): void {
  const list = map.get(key) ?? [];
  if (!list.includes(queue)) map.set(key, [...list, queue]);
}

/** kombu's topic regex (`^a\.[^.]+?$`-like, Python syntax limited to what JS reads the same); null if unreadable. */
function topicRegex(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern.startsWith('^') ? pattern : `^(?:${pattern})`);
  } catch {
    return null;
  }
}

export interface BindingInfo {
  /** Queue names found in bindings. */
  queues: Set<string>;
  /** Named exchanges' routes (to map unacked entries published through them). */
  routes: RouteTable;
}

/** The stored binding members (exchange → members) as queues and routes. */
export function bindingsFrom(stored: Record<string, string>): BindingInfo {
  const info: BindingInfo = { queues: new Set(), routes: new RouteTable() };
  for (const [exchange, json] of Object.entries(stored)) {
    for (const m of parseMembers(json)) {
      const b = parseBindingMember(m);
      if (!b || !b.queue) continue;
      info.queues.add(b.queue);
      info.routes.add(exchange, b);
    }
  }
  return info;
}

function parseMembers(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : [];
  } catch {
    return [];
  }
}

export async function readBindings(ctx: TrellisContext): Promise<BindingInfo> {
  return bindingsFrom(await ctx.store.hgetall(ctx.keys.queueBindings));
}
