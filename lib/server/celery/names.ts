// Every Redis key and channel name Celery/kombu uses, built in one place (protocol doc §0, §1).
// Pure: no Redis access. Nothing else in Trellis builds a broker or backend name by hand.

export const KOMBU_SEP = '\x06\x16';
export const DEFAULT_PRIORITY_STEPS: readonly number[] = [0, 3, 6, 9];

export interface BrokerNaming {
  db: number;
  /** kombu `global_keyprefix`: prefixed verbatim to keys *and* pub/sub channels. */
  keyPrefix: string;
  prioritySteps: readonly number[];
  separator: string;
  /** `control_exchange` (default "celery"). */
  controlExchange?: string;
}

export function celeryNames(n: BrokerNaming) {
  const pfx = n.keyPrefix;
  const ns = n.controlExchange ?? 'celery';
  const fanout = (exchange: string, routingKey = '') => `${pfx}/${n.db}.${exchange}${routingKey ? `/${routingKey}` : ''}`;
  return {
    /** PSUBSCRIBE pattern for every event on this broker DB. */
    eventPattern: `${fanout('celeryev')}/*`,
    /** Channel an event of this type is published on (`task-succeeded` → `.../task.succeeded`). */
    eventChannel: (routingKey: string) => fanout('celeryev', routingKey),
    pidboxChannel: fanout(`${ns}.pidbox`),
    replyExchange: `reply.${ns}.pidbox`,
    replyQueueKey: (replyId: string) => `${pfx}${replyId}.reply.${ns}.pidbox`,
    bindingKey: (exchange: string) => `${pfx}_kombu.binding.${exchange}`,
    bindingPattern: `${pfx}_kombu.binding.*`,
    unackedKey: `${pfx}unacked`,
    unackedIndexKey: `${pfx}unacked_index`,
    /** The list key holding one priority band of a queue (band = a priority step). */
    queueBandKey: (queue: string, step: number) => `${pfx}${step === 0 ? queue : `${queue}${n.separator}${step}`}`,
    queueBandKeys: (queue: string) =>
      n.prioritySteps.map((step) => ({ step, key: `${pfx}${step === 0 ? queue : `${queue}${n.separator}${step}`}` })),
    /** The priority step a message priority lands in: the largest step ≤ p (p clamped 0–9). */
    stepForPriority: (priority: unknown) => stepForPriority(priority, n.prioritySteps),
    bindingMember: (routingKey: string, pattern: string, queue: string) => `${routingKey}${KOMBU_SEP}${pattern}${KOMBU_SEP}${queue}`,
  };
}

export type CeleryNames = ReturnType<typeof celeryNames>;

export function stepForPriority(priority: unknown, steps: readonly number[] = DEFAULT_PRIORITY_STEPS): number {
  const raw = typeof priority === 'number' && Number.isFinite(priority) ? Math.trunc(priority) : 0;
  const p = Math.max(0, Math.min(9, raw));
  let chosen = steps[0] ?? 0;
  for (const s of steps) if (s <= p) chosen = s;
  return chosen;
}

/** Binding-set members are `routing_key SEP pattern SEP queue` (binding members never carry the key prefix). */
export function parseBindingMember(member: string): { routingKey: string; pattern: string; queue: string } | null {
  const parts = member.split(KOMBU_SEP);
  if (parts.length !== 3) return null;
  const [routingKey, pattern, queue] = parts as [string, string, string];
  return { routingKey, pattern, queue };
}

export interface ResultNaming {
  /** Celery ≥ 5.3 `result_backend_transport_options.global_keyprefix`; "_" appended unless it ends in one of ":_-.". */
  keyPrefix: string;
}

export function resultNames(r: ResultNaming) {
  const pfx = r.keyPrefix === '' || /[:_.-]$/.test(r.keyPrefix) ? r.keyPrefix : `${r.keyPrefix}_`;
  return {
    taskMetaKey: (taskId: string) => `${pfx}celery-task-meta-${taskId}`,
    groupMetaKey: (groupId: string) => `${pfx}celery-taskset-meta-${groupId}`,
    chordJoinKey: (groupId: string) => `${pfx}celery-taskset-meta-${groupId}.j`,
    chordSizeKey: (groupId: string) => `${pfx}celery-taskset-meta-${groupId}.s`,
    chordExtraKey: (groupId: string) => `${pfx}celery-taskset-meta-${groupId}.t`,
  };
}

export type ResultNames = ReturnType<typeof resultNames>;
