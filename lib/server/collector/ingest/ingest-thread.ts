import { parentPort, workerData } from 'node:worker_threads';
import { Backlog } from './backlog';
import { decodeBatch } from './decode-batch';
import { EventSubscriber } from './event-subscriber';
import type { FromThread, IngestThreadConfig, ToThread } from './messages';

// The ingest thread (one per process, started ahead so a takeover need not wait for it): while this
// process collects it owns the broker's event subscription and does nothing but read it, so the socket
// is drained however busy the collector's event loop is (rendering pages, flushing, reconciling).
// Messages wait raw in a byte-bounded backlog; the thread decodes the oldest into a batch only when
// the collector has room (credit: one `ack` per batch taken), in small slices between socket reads.
// A full backlog drops messages and reports the interval as a gap: memory stays bounded, nothing
// is lost silently.

const CREDIT = 4;
const BATCH_MESSAGES = 250;
const BATCH_BYTES = 1 << 20;
const STATUS_MS = 1_000;
/** After an overflow, the gap closes once the backlog is back under this share of its bound. */
const RESUME_BELOW = 0.75;

const port = parentPort;
if (!port) throw new Error('ingest-thread must run as a worker thread');
const config = workerData as IngestThreadConfig;
const send = (m: FromThread) => port.postMessage(m);

const backlog = new Backlog(config.backlogLimitBytes);
let credit = CREDIT;
let draining = false;
let pumpScheduled = false;
let droppedTotal = 0;
let overflow: { start: number; dropped: number } | null = null;
let lastAcceptedAt: number | null = null;

let listening: EventSubscriber | null = null;

function listen(): void {
  if (listening) return;
  draining = false;
  credit = CREDIT;
  const subscriber = new EventSubscriber(
    { broker: config.broker, pattern: config.pattern },
    {
      onMessage: (data, at) => {
        if (backlog.push(data, at)) lastAcceptedAt = at;
        else {
          droppedTotal++;
          if (!overflow) overflow = { start: lastAcceptedAt ?? at, dropped: 0 };
          overflow.dropped++;
        }
        schedulePump();
      },
      onDown: (at) => send({ type: 'down', at }),
      onUp: (at, reason) => send({ type: 'up', at, reason }),
    },
  );
  listening = subscriber;
  void subscriber.start().then(status);
}

async function drain(): Promise<void> {
  draining = true;
  const l = listening;
  listening = null;
  if (l) await l.stop();
  if (backlog.length === 0) send({ type: 'drained' });
}

function schedulePump(): void {
  if (pumpScheduled || credit <= 0) return;
  pumpScheduled = true;
  setImmediate(pump);
}

/** One batch per turn of the event loop, so socket reads interleave with decoding. */
function pump(): void {
  pumpScheduled = false;
  if (credit > 0 && backlog.length > 0) {
    credit--;
    send(decodeBatch(backlog.take(BATCH_MESSAGES, BATCH_BYTES)));
  }
  if (overflow && backlog.bytes < backlog.limitBytes * RESUME_BELOW) {
    send({ type: 'overflow', start: overflow.start, end: Date.now() / 1000, dropped: overflow.dropped });
    overflow = null;
  }
  if (backlog.length > 0) schedulePump();
  else if (draining) send({ type: 'drained' });
}

function status(): void {
  send({
    type: 'status',
    listening: listening?.isListening ?? false,
    backlogBytes: backlog.bytes,
    backlogMessages: backlog.length,
    backlogPeakBytes: backlog.peakBytes,
    backlogLimitBytes: backlog.limitBytes,
    backlogOldestAt: backlog.oldestAt,
    droppedMessages: droppedTotal,
  });
}

port.on('message', (m: ToThread) => {
  if (m.type === 'ack') {
    credit = Math.min(CREDIT, credit + 1);
    schedulePump();
  } else if (m.type === 'listen') listen();
  else if (m.type === 'drain') void drain();
});

setInterval(status, STATUS_MS).unref();
status();
