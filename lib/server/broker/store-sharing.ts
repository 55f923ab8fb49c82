import 'server-only';
import type Redis from 'ioredis';
import type { TrellisContext } from '../context';
import { configGet } from './config-get';
import { parseInfo } from './info';

// Whether Trellis' store lives on the same Redis server as the broker or the result backend (same
// run_id, whatever the URLs say), and whether that server's maxmemory-policy can evict keys: then
// memory taken by a large history can make Redis evict Celery's queues, bindings and results (and
// Trellis' own lease). allkeys-* evicts any key; volatile-* evicts keys with a TTL (result metas,
// Trellis' lease and counters), so it matters once keys have one; noeviction is safe.

export type SharedRole = 'broker' | 'backend';

export interface StoreSharing {
  /** Which of the broker and result backend run on the store's server. */
  sharedWith: SharedRole[];
  /** The store server's maxmemory-policy; null when CONFIG is not allowed. */
  maxMemoryPolicy: string | null;
  /** Whether that policy can evict keys now; null when unknown. */
  canEvict: boolean | null;
  /** Set when the store is shared and keys can be evicted. */
  warning: string | null;
}

/** null when unreadable: a result backend that is down must not fail the broker's health. */
async function runId(redis: Redis): Promise<string | null> {
  try {
    return parseInfo(await redis.info('server')).get('run_id') ?? null;
  } catch {
    return null;
  }
}

/** Whether any database of the server holds keys with a TTL (INFO keyspace: `dbN:keys=…,expires=M,…`). */
async function hasKeysWithTtl(redis: Redis): Promise<boolean> {
  return [...parseInfo(await redis.info('keyspace')).values()].some((v) => Number(/expires=(\d+)/.exec(v)?.[1] ?? 0) > 0);
}

async function evictionRisk(policy: string | null, keysWithTtl: () => Promise<boolean>): Promise<boolean | null> {
  if (policy === null) return null;
  if (policy.startsWith('allkeys-')) return true;
  if (policy.startsWith('volatile-')) return keysWithTtl();
  return false;
}

export async function storeSharing(ctx: TrellisContext): Promise<StoreSharing> {
  const [store, broker, backend] = await Promise.all([runId(ctx.store), runId(ctx.broker), runId(ctx.backend)]);
  const sharedWith = (
    [
      ['broker', broker],
      ['backend', backend],
    ] as const
  )
    .filter(([, id]) => store !== null && id === store)
    .map(([role]) => role);
  const policy = await configGet(ctx.store, 'maxmemory-policy');
  const canEvict = await evictionRisk(policy.value, () => hasKeysWithTtl(ctx.store));
  // Unknown (CONFIG not allowed) is not warned about here: broker health already asks for noeviction then.
  let warning: string | null = null;
  if (sharedWith.length > 0 && canEvict === true) {
    const who = sharedWith.map((r) => (r === 'broker' ? 'the broker' : 'the result backend')).join(' and ');
    warning =
      `Trellis' store shares a Redis server with ${who} whose maxmemory-policy is ${policy.value ?? ''}: under memory pressure Redis evicts keys, ` +
      "Celery's queues and results as well as Trellis' history; use noeviction, or give the store its own Redis instance (TRELLIS_STORE_URL)";
  }
  return { sharedWith, maxMemoryPolicy: policy.value, canEvict, warning };
}
