import 'server-only';
import { parseBindingMember } from '../celery/names';
import type { TrellisContext } from '../context';

// Queue discovery from the `_kombu.binding.<exchange>` sets (protocol doc §4.3, §4.6): a bounded
// SCAN (never KEYS) and the first SSCAN page of each set, in one pipeline. Event-receiver, mailbox
// and reply bindings are not queues and are left out. Bindings go stale: hints, never liveness.
// The same members route a message's (exchange, routing key) to queues as kombu's lookup does:
// a member with a pattern is a topic binding (kombu stores the regex it matches with), one with
// neither key nor pattern matches every key (fanout: Redis keeps no exchange type), the rest match
// their routing key exactly (direct).

const SCAN_COUNT = 500;
const MAX_SCAN_CALLS = 40; // at most ~20,000 keys examined
const MAX_SETS = 2_000;
const SSCAN_COUNT = 1_000;

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
  capped: boolean;
}

/** Escapes glob metacharacters so a key prefix is matched literally by SCAN MATCH. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export async function readBindings(ctx: TrellisContext): Promise<BindingInfo> {
  const pfx = ctx.config.brokerKeyPrefix;
  const bindingPrefix = ctx.celery.bindingKey('');
  const replyExchange = ctx.celery.replyExchange;
  const excluded = new Set(['celeryev', replyExchange.replace(/^reply\./, ''), replyExchange]);
  const keys: string[] = [];
  let cursor = '0';
  let calls = 0;
  let capped = false;
  do {
    const [next, batch] = await ctx.broker.scan(cursor, 'MATCH', `${escapeGlob(pfx)}_kombu.binding.*`, 'COUNT', SCAN_COUNT);
    cursor = next;
    for (const k of batch) if (!excluded.has(k.slice(bindingPrefix.length))) keys.push(k);
    calls += 1;
    if (cursor !== '0' && (calls >= MAX_SCAN_CALLS || keys.length >= MAX_SETS)) capped = true;
  } while (cursor !== '0' && !capped);

  const info: BindingInfo = { queues: new Set(), routes: new RouteTable(), capped };
  if (keys.length === 0) return info;
  const pipe = ctx.broker.pipeline();
  for (const k of keys) pipe.sscan(k, '0', 'COUNT', SSCAN_COUNT);
  const results = (await pipe.exec()) ?? [];
  keys.forEach((key, i) => {
    const [err, value] = results[i] ?? [null, null];
    if (err || !Array.isArray(value)) return;
    const [next, members] = value as [string, string[]];
    if (next !== '0') info.capped = true;
    const exchange = key.slice(bindingPrefix.length);
    for (const m of members) {
      const b = parseBindingMember(m);
      if (!b || !b.queue) continue;
      info.queues.add(b.queue);
      info.routes.add(exchange, b);
    }
  });
  return info;
}
