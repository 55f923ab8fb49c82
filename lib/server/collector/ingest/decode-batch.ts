import { decodeEventMessage } from '../../celery/events';
import { toStoredEvent } from '../../tasks/stored-event';
import type { IngestBatch } from './messages';

// Raw event messages → one batch for the collector. Pure; runs in the ingest thread.

/** Malformed messages get a sample each (the collector keeps the latest few), up to this many per batch. */
const SAMPLES_PER_BATCH = 3;

export function decodeBatch(raw: ReadonlyArray<{ data: Buffer; at: number }>): IngestBatch {
  const batch: IngestBatch = { type: 'batch', tasks: [], workers: [], bytes: 0, messages: raw.length, ignored: 0, malformed: 0, malformedSamples: [], lastReceivedAt: null };
  for (const { data, at } of raw) {
    batch.bytes += data.length;
    const decoded = decodeEventMessage(data, at);
    if (!decoded.ok) {
      batch.malformed++;
      if (batch.malformedSamples.length < SAMPLES_PER_BATCH) batch.malformedSamples.push({ detail: decoded.detail, head: data.subarray(0, 200).toString('utf8') });
      continue;
    }
    const { tasks, workers, ignored, malformed } = decoded.value;
    batch.ignored += ignored;
    batch.malformed += malformed;
    for (const ev of tasks) batch.tasks.push([ev.uuid, toStoredEvent(ev)]);
    for (const ev of workers) batch.workers.push(ev);
    if (tasks.length + workers.length > 0) batch.lastReceivedAt = at;
  }
  return batch;
}
