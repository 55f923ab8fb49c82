import 'server-only';
import { parseBindingMember } from '../celery/names';
import type { TrellisContext } from '../context';

// Queue discovery from the `_kombu.binding.<exchange>` sets (protocol doc §4.3, §4.6): a bounded
// SCAN (never KEYS) and the first SSCAN page of each set, in one pipeline. Event-receiver, mailbox
// and reply bindings are not queues and are left out. Bindings go stale: hints, never liveness.

const SCAN_COUNT = 500;
const MAX_SCAN_CALLS = 40; // at most ~20,000 keys examined
const MAX_SETS = 2_000;
const SSCAN_COUNT = 1_000;

export interface BindingInfo {
  /** Queue names found in bindings. */
  queues: Set<string>;
  /** `exchange \0 routingKey` → queues (to map unacked entries published through a named exchange). */
  routes: Map<string, string[]>;
  capped: boolean;
}

export const routeKey = (exchange: string, routingKey: string) => `${exchange}\u0000${routingKey}`;

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

  const info: BindingInfo = { queues: new Set(), routes: new Map(), capped };
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
      const rk = routeKey(exchange, b.routingKey);
      const list = info.routes.get(rk) ?? [];
      if (!list.includes(b.queue)) info.routes.set(rk, [...list, b.queue]);
    }
  });
  return info;
}
