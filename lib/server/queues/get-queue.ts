import 'server-only';
import { AppError, notFound } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { readDiscoveryStatus } from './discovery-status';
import { readHistory, type HistoryRange } from './history';
import { readQueueSnapshot } from './snapshot-store';
import type { QueueDetail } from './types';

// GET /api/v1/queues/{name}: the queue as the collecting process last measured it plus its
// history, both from the store. A name the measurement does not hold is a 404 (while discovery is
// incomplete the message says so: the queue may be found later); no measurement yet is a 503.

export async function getQueue(ctx: TrellisContext, name: string, range: HistoryRange = '1h'): Promise<QueueDetail> {
  const [snap, history, discovery] = await Promise.all([readQueueSnapshot(ctx), readHistory(ctx, name, range), readDiscoveryStatus(ctx)]);
  if (!snap) throw new AppError('UNAVAILABLE', 'queues not measured yet: no collecting process has sampled the broker');
  const view = snap.views.find((v) => v.name === name);
  if (!view)
    throw discovery.status === 'complete' ? notFound(`queue ${name}`) : new AppError('NOT_FOUND', `queue ${name} not found yet (queue discovery incomplete: it may be found when its first pass ends)`);
  return {
    ...view, range, resolution: history.resolution, history: history.points, unackedSummary: snap.unacked, noReply: snap.noReply,
    sampledAt: snap.sampledAt, discovery, at: Date.now() / 1000,
  };
}
