import { describe, expect, it } from 'vitest';
import type { WorkerEvent } from '@/lib/server/celery/events';
import { applyWorkerEvent, newWorkerDoc, status, toWorkerView, type WorkerDoc } from '@/lib/server/workers/worker-doc';

const T = 1795332981;
const wev = (type: WorkerEvent['type'], lr: number, pid = 6482, extra: Partial<WorkerEvent> = {}): WorkerEvent => ({
  type,
  hostname: 'w1@vm',
  pid,
  freq: 2,
  active: 1,
  processed: 10,
  loadavg: [0.5, 0.4, 0.3],
  sw_ident: 'py-celery',
  sw_ver: '5.2.6',
  sw_sys: 'Linux',
  timestamp: lr - 0.01,
  local_received: lr,
  ...extra,
});
const fold = (events: WorkerEvent[]): WorkerDoc => events.reduce((d, e) => applyWorkerEvent(d, e), newWorkerDoc('w1@vm', T));

describe('worker status', () => {
  it('is online within 2 × freq of the last heartbeat received, then lost', () => {
    const d = fold([wev('worker-online', T), wev('worker-heartbeat', T + 2)]);
    expect(status(d, T + 3.9)).toBe('online');
    expect(status(d, T + 6.01)).toBe('lost');
    expect(toWorkerView(d, T + 3)).toMatchObject({ status: 'online', pid: 6482, active: 1, processed: 10, swVer: '5.2.6', onlineSince: T });
  });

  it('is offline at once on worker-offline, and online again when it comes back', () => {
    const off = fold([wev('worker-online', T), wev('worker-offline', T + 1)]);
    expect(status(off, T + 1.5)).toBe('offline');
    const back = applyWorkerEvent(off, wev('worker-online', T + 10));
    expect(status(back, T + 10.5)).toBe('online');
    expect(back.onlineSince).toBe(T + 10);
  });

  it('notices a restart (same hostname, new pid)', () => {
    const d = fold([wev('worker-online', T), wev('worker-offline', T + 1), wev('worker-online', T + 5, 7001)]);
    expect(d).toMatchObject({ pid: 7001, previousPid: 6482, restarts: 1, onlineSince: T + 5, offlineAt: null });
  });

  it('counts a restart after the worker was lost (killed without worker-offline)', () => {
    const d = fold([wev('worker-online', T), wev('worker-heartbeat', T + 30, 7001)]);
    expect(d).toMatchObject({ pid: 7001, restarts: 1 });
  });

  it('flags two live processes sharing one node name instead of flip-flopping', () => {
    const d = fold([wev('worker-online', T), wev('worker-heartbeat', T + 1, 9999), wev('worker-heartbeat', T + 2)]);
    expect(d.pid).toBe(6482);
    expect(toWorkerView(d, T + 2.5).duplicatePids).toEqual([9999]);
  });

  it('keeps counters when a heartbeat carries none (the `heartbeat` control command)', () => {
    const d = fold([wev('worker-online', T), wev('worker-heartbeat', T + 1, 6482, { active: null, processed: null, loadavg: null, freq: 5 })]);
    expect(d).toMatchObject({ active: 1, processed: 10, freq: 5 });
  });
});
