import 'server-only';
import type { TrellisContext } from '../context';
import type { WriteBatch } from '../store/write-batch';
import type { RegistryDimension } from '../store/keys';
import { deriveTask, type DerivedTask } from '../tasks/derive';
import { INDEX_DIMENSIONS, indexedValues, type IndexedValues } from '../tasks/indexed-values';
import type { StoredEvent } from '../tasks/stored-event';
import { toRef } from '../store/task-ref';
import { appendEvents, parseTaskDoc, serializeTaskDoc, type TaskDoc } from '../tasks/task-doc';

// Turns a batch of new events (grouped by task) into store writes: one SET of the task document
// and only the index moves that changed. Recently touched tasks stay in a bounded LRU cache so a
// task's later events need no read; a miss costs one pipelined GET for the whole batch.

interface CachedTask {
  doc: TaskDoc;
  indexed: IndexedValues;
}

export interface PreparedTask {
  id: string;
  doc: TaskDoc;
  task: DerivedTask;
  indexed: IndexedValues;
  previous: IndexedValues | null;
}

const REGISTRY_DIMS: ReadonlySet<string> = new Set<RegistryDimension>(['state', 'name', 'worker', 'queue']);

export class TaskWriter {
  private readonly cache = new Map<string, CachedTask>();
  private readonly registered = new Set<string>();

  constructor(
    private readonly ctx: TrellisContext,
    private readonly cacheSize = 20_000,
  ) {}

  /** Loads what the cache lacks (one round trip), then derives each task's new record. */
  async prepare(batch: ReadonlyMap<string, StoredEvent[]>): Promise<PreparedTask[]> {
    const misses = [...batch.keys()].filter((id) => !this.cache.has(id));
    const loaded = new Map<string, CachedTask>();
    if (misses.length > 0) {
      const raws = await this.ctx.store.mget(misses.map((id) => this.ctx.keys.task(id)));
      misses.forEach((id, i) => {
        const doc = parseTaskDoc(raws[i], id);
        if (doc) loaded.set(id, { doc, indexed: indexedValues(deriveTask(id, doc)) });
      });
    }
    const out: PreparedTask[] = [];
    for (const [id, events] of batch) {
      const before = this.cache.get(id) ?? loaded.get(id);
      const doc = appendEvents(before?.doc ?? { e: [] }, events);
      const task = deriveTask(id, doc);
      out.push({ id, doc, task, indexed: indexedValues(task), previous: before?.indexed ?? null });
    }
    return out;
  }

  /** Queues the writes for prepared tasks on a pipeline. */
  write(pipeline: WriteBatch, prepared: readonly PreparedTask[]): void {
    const k = this.ctx.keys;
    for (const p of prepared) {
      pipeline.set(k.task(p.id), serializeTaskDoc(p.doc, p.id));
      const ref = toRef(p.id);
      for (const dim of INDEX_DIMENSIONS) {
        const oldValue = p.previous?.[dim];
        const newValue = p.indexed[dim];
        if (oldValue !== undefined && oldValue !== newValue) pipeline.zrem(k.index(dim, oldValue), ref);
        if (newValue !== undefined && (oldValue !== newValue || p.previous?.score !== p.indexed.score)) {
          pipeline.zadd(k.index(dim, newValue), p.indexed.score, ref);
          this.register(pipeline, dim, newValue);
        }
      }
    }
  }

  /** After the pipeline succeeded: remember what the store now holds. */
  commit(prepared: readonly PreparedTask[]): void {
    for (const p of prepared) {
      this.cache.delete(p.id);
      this.cache.set(p.id, { doc: p.doc, indexed: p.indexed });
    }
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  /** Forget cached state (after a failed write, or when retention deleted the task). */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.cache.delete(id);
  }

  forgetRegistrations(): void {
    this.registered.clear();
  }

  private register(pipeline: WriteBatch, dim: string, value: string): void {
    if (!REGISTRY_DIMS.has(dim)) return;
    const key = `${dim}\0${value}`;
    if (this.registered.has(key)) return;
    this.registered.add(key);
    pipeline.sadd(this.ctx.keys.registry(dim as RegistryDimension), value);
  }
}
