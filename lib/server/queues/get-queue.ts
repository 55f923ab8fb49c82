import 'server-only';
import { notFound } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { readHistory, type HistoryRange } from './history';
import { queueSnapshot } from './snapshot';
import type { QueueDetail } from './types';

// GET /api/v1/queues/{name}: the live view of one queue plus its history. A name Trellis knows
// nothing about (no messages, consumer, binding, configuration or history) is a 404.

export async function getQueue(ctx: TrellisContext, name: string, range: HistoryRange = '1h'): Promise<QueueDetail> {
  const [snap, history] = await Promise.all([queueSnapshot(ctx, name), readHistory(ctx, name, range)]);
  const view = snap.views[0];
  if (!view || (view.depth === 0 && view.consumers.length === 0 && view.unacked === 0 && view.sources.length === 0 && history.points.length === 0))
    throw notFound(`queue ${name}`);
  return { ...view, range, resolution: history.resolution, history: history.points, unackedSummary: snap.unacked, noReply: snap.noReply };
}
