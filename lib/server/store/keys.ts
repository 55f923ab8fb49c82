import { toRef } from './task-ref';

// Trellis' own key schema in its store (docs/architecture.md lists it). Every key is under the
// configured prefix (default "trellis:"). Nothing else builds a store key by hand.

export type IndexDimension = 'state' | 'name' | 'worker' | 'queue' | 'root';
export type RegistryDimension = 'state' | 'name' | 'worker' | 'queue';

export function storeKeys(prefix: string) {
  return {
    prefix,
    /** STRING: the task document (its event log), compact JSON. Keyed by the task's ref (task-ref.ts). */
    task: (id: string) => `${prefix}t:${toRef(id)}`,
    /** ZSET: task refs (task-ref.ts) by first-seen time, one per indexed value. */
    index: (dim: IndexDimension, value: string) => `${prefix}ix:${dim}:${value}`,
    /** SET: the values an index dimension has held (to enumerate counts). */
    registry: (dim: RegistryDimension) => `${prefix}reg:${dim}`,
    /** HASH: per-minute counters (`<event>`, `<event>|<task name>`, runtime buckets). */
    minute: (minuteEpoch: number) => `${prefix}m:${minuteEpoch}`,
    /** HASH: cumulative counters since the store began, never reset (Prometheus counters served from
     *  the store so they stay monotonic across collector handovers; lib/server/metrics/). */
    totals: `${prefix}totals`,
    /** HASH: dedup key → the active incident (pending or firing) as JSON (lib/server/alerts/). */
    alertsActive: `${prefix}alerts:active`,
    /** ZSET: resolved incidents (JSON) by resolve time, kept 90 days. */
    alertsHistory: `${prefix}alerts:history`,
    /** HASH: silence id → silence JSON (written by any process, read by the evaluator). */
    alertsSilences: `${prefix}alerts:silences`,
    /** HASH: incident id → acknowledgement JSON (written by any process, read by the evaluator). */
    alertsAcks: `${prefix}alerts:acks`,
    /** STRING: the evaluator's last cycle (time, duration, rules, errors) as JSON. */
    alertsStatus: `${prefix}alerts:status`,
    /** HASH: hostname → worker resource samples (inspect stats: maxrss series, pool size) as JSON. */
    workerStats: `${prefix}workers:stats`,
    /** HASH: API token id → token record JSON (name, role, SHA-256 of the secret, expiry, last use, revoked). */
    authTokens: `${prefix}auth:tokens`,
    /** HASH: API token id → when it was last used (apart from the record, so a use never races a revoke). */
    authTokensUsed: `${prefix}auth:tokens:used`,
    /** HASH: user name → user JSON (role, password hash) for users created at start or by the CLI. */
    authUsers: `${prefix}auth:users`,
    /** STRING per session id: the signed-in user (JSON), with the session's TTL (logout deletes it). */
    authSession: (sid: string) => `${prefix}auth:session:${sid}`,
    /** STRING: the cookie-sealing secret when TRELLIS_SESSION_SECRET is not set (made once, shared by every process). */
    authSessionSecret: `${prefix}auth:session-secret`,
    /** HASH: hostname → worker document JSON. */
    workers: `${prefix}workers`,
    /** STRING counters (rate-limiter-flexible's, with a TTL): `<it>:<client>` per rate-limit bucket (lib/server/http/rate-limit.ts). */
    rateLimit: (bucket: string) => `${prefix}rl:${bucket}`,
    /** STRING: the collector lease (token), with a TTL. */
    lease: `${prefix}collector:lease`,
    /** STRING: the once-id of the last fenced write applied (makes a retried flush a no-op). */
    lastApplied: `${prefix}collector:applied`,
    /** HASH: the collecting process's published stats. */
    collectorStats: `${prefix}collector:stats`,
    /** LIST: observation gaps, newest first (JSON), capped. */
    gaps: `${prefix}gaps`,
    /** LIST: samples of recent malformed messages, newest first, capped. */
    malformedSamples: `${prefix}malformed`,
    /** PUB/SUB channel: change notifications after each flush (for live UI in every process). */
    updatesChannel: `${prefix}updates`,
    /** HASH: queue name → first-seen/last-nonempty bookkeeping (queues module). */
    queueMeta: `${prefix}queues:meta`,
    /** HASH per inspect command: worker → its last successful reply (JSON {reply, at}), so a
     *  worker that cannot answer now (busy solo) is known in every process (inspect/remembered.ts). */
    inspectLastReplies: (command: string) => `${prefix}inspect:last:${command}`,
    /** STRING: time of the sampler's latest sample (queue bookkeeping is rewritten only on change). */
    queueSampledAt: `${prefix}queues:sampled-at`,
    /** HASH: exchange → JSON array of its `_kombu.binding.<exchange>` members, as queue discovery last read them. */
    queueBindings: `${prefix}queues:bindings`,
    /** HASH: queue discovery's progress (cursor, current pass, last full pass). */
    queueDiscovery: `${prefix}queues:discovery`,
    /** SET: exchanges whose binding set the current discovery pass found (the rest are dropped at its end). */
    queueDiscoveryPass: `${prefix}queues:discovery:pass`,
    /** STRING: the queue list as the collecting process last measured it (JSON, queues/snapshot-store.ts). */
    queueSnapshot: `${prefix}queues:snapshot`,
    /** STREAM: the audit log, one entry per action, hash-chained (lib/server/actions/audit-log.ts). */
    audit: `${prefix}audit`,
    /** STRING: the hash of the audit log's last entry (the chain's head; appends compare-and-set it). */
    auditHead: `${prefix}audit:head`,
    /** LIST per task: actions taken on it (revoke requested, retried as…), newest first, capped. */
    taskActions: (id: string) => `${prefix}ta:${toRef(id)}`,
    /** STRING per preview: the exact task ids a dry run selected (JSON), with a short TTL. */
    actionPreview: (previewId: string) => `${prefix}preview:${previewId}`,
    /** ZSET: durable revokes, task id → when revoked (kept until the task is final; re-sent to workers). */
    revokes: `${prefix}revokes`,
    /** HASH: durable revokes, task id → the revoke's options JSON (terminate, signal, by). */
    revokeOptions: `${prefix}revokes:options`,
    // Purge archives live on the BROKER, under this prefix: on the same server as the queue, so that
    // purge and restore are each one atomic script.
    /** ZSET per queue (broker): its purge archives by time (archive id members). */
    queueArchives: (queue: string) => `${prefix}archives:${queue}`,
    /** LIST per archive and priority band (broker): the purged messages, byte for byte, in the queue's order. */
    archiveMessages: (archiveId: string, band: number) => `${prefix}archive:${archiveId}:messages:${band}`,
    /** HASH per archive (broker): queue, band counts, when, by whom, a version bumped by every restore step. */
    archiveMeta: (archiveId: string) => `${prefix}archive:${archiveId}:meta`,
    /** ZSET per queue: depth samples (queues module). */
    queueSeries: (queue: string, resolution: 'raw' | 'minute') => `${prefix}queue:${resolution}:${queue}`,
  };
}

export type StoreKeys = ReturnType<typeof storeKeys>;
