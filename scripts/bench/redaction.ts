// `npm run bench:redaction` — the cost redaction adds on the way out (not a test): a text search's
// worst case (5,000 summaries examined, each redacted before matching) and one task detail with a
// 60-frame traceback and 10 events. CPU only, bounded (20 rounds each); no Redis.
import type { TaskDetail, TaskSummary } from '../../lib/schemas/api';
import { FULL_VIEW } from '../../lib/server/redaction/hide';
import { createRedactor } from '../../lib/server/redaction/redactor';
import { redactTaskDetail, redactTaskSummary } from '../../lib/server/redaction/task-views';

const ROUNDS = 20;
const r = createRedactor();

function summary(i: number): TaskSummary {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: 'orders.charge', state: 'SUCCESS', worker: 'w1@bench', queue: 'celery',
    rootId: null, parentId: null, retries: 0, eta: null, expires: null, firstSeen: 1733230000 + i, lastUpdate: 1733230001 + i,
    sent: 1733230000 + i, received: null, started: null, ended: null, runtime: 0.05,
    args: `(${i}, 'EUR', {'customer': 'c-${i}', 'api_key': 'sk_live_${i}', 'card': '4111 1111 1111 1111', 'amount': 1999})`,
    kwargs: `{'callback': 'https://ops:pw${i}@hooks.example/x', 'idempotency_key': '${i}-1733230000123', 'retry': True}`,
    result: `{'charge_id': 'ch_${i}', 'created': 1733230000, 'status': 'succeeded'}`,
    exception: null,
  };
}

const frames = Array.from({ length: 60 }, (_, i) => `  File "/app/orders/charge.py", line ${i + 10}, in step_${i}\n    result = client.post(url, token=token, data=payload)`).join('\n');
const detail: TaskDetail = {
  ...summary(1), state: 'FAILURE', exception: "HTTPError('401 Client Error: Unauthorized; Authorization: Bearer abc.def')",
  traceback: `Traceback (most recent call last):\n${frames}\nHTTPError: 401`, exchange: '', routingKey: 'celery', clientHostname: 'gen@bench', revoked: null,
  events: Array.from({ length: 10 }, (_, i) => ({ type: 'task-received', timestamp: 1733230000 + i, localReceived: 1733230000 + i, hostname: 'w1@bench', fields: { args: summary(i).args, kwargs: summary(i).kwargs, clock: i } })),
  attempts: [], eventsTruncated: 0, actions: [], retriedAs: [], retryOf: null, backend: { status: 'FAILURE', result: { exc_type: 'HTTPError', exc_message: ['Authorization: Bearer abc'] }, traceback: null, children: [], dateDone: null, extra: {} },
};

function time(f: () => void): number {
  const runs: number[] = [];
  for (let k = 0; k < ROUNDS; k++) {
    const t0 = performance.now();
    f();
    runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)] ?? NaN;
}

const summaries = Array.from({ length: 5_000 }, (_, i) => summary(i));
const search = time(() => summaries.forEach((s) => redactTaskSummary(s, r, FULL_VIEW)));
const one = time(() => redactTaskDetail(detail, r, FULL_VIEW));
console.log(`5,000 summaries (a text search's budget): ${search.toFixed(1)} ms median; one detail (60-frame traceback, 10 events): ${one.toFixed(2)} ms median`);
