import 'server-only';
import type { TrellisContext } from '../context';
import { readBindings, type RouteTable } from './bindings';
import { knownQueueNames } from './meta';
import type { QueueView } from './types';

// Queue names (protocol doc §4.6): workers' active_queues, the `_kombu.binding.*` sets (as the
// discovery job stored them: no broker read here), the configured list (TRELLIS_QUEUES) and the
// queues Trellis already keeps bookkeeping for.

export type QueueSource = QueueView['sources'][number];

export interface DiscoveredQueues {
  sources: Map<string, Set<QueueSource>>;
  routes: RouteTable;
}

// Pidbox mailboxes / reply lists and event receivers are kombu plumbing, not task queues.
const PLUMBING = /(^celeryev\.|\.pidbox$)/;

export async function discoverQueues(ctx: TrellisContext, consumers: ReadonlyMap<string, readonly string[]>): Promise<DiscoveredQueues> {
  const [bindings, history] = await Promise.all([readBindings(ctx), knownQueueNames(ctx)]);
  const sources = new Map<string, Set<QueueSource>>();
  const add = (name: string, source: QueueSource) => {
    if (!name || PLUMBING.test(name)) return;
    const s = sources.get(name) ?? new Set<QueueSource>();
    s.add(source);
    sources.set(name, s);
  };
  for (const q of consumers.keys()) add(q, 'worker');
  for (const q of bindings.queues) add(q, 'binding');
  for (const q of ctx.config.queues) add(q, 'config');
  for (const q of history) add(q, 'history');
  return { sources, routes: bindings.routes };
}
