import { createElement, isValidElement, type ReactElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Line, LineChart } from 'recharts';
import { describe, expect, it } from 'vitest';
import { DepthChart, DepthSparkline, observedRuns } from '@/components/queues/depth-chart';
import { RouteTable } from '@/lib/server/queues/bindings';
import { bucket, fillIdle, type FillOptions } from '@/lib/server/queues/series';
import type { HistoryPoint, QueuePoint } from '@/lib/server/queues/types';
import { queuesFor } from '@/lib/server/queues/unacked';

// Reading depth history back: idle samples the sampler skipped become zeros, periods no collector
// observed become nulls (breaks), and the charts draw those nulls as breaks.

const p = (t: number, depth: number, inn = 0, out = 0): QueuePoint => ({ t, depth, maxDepth: depth, in: inn, out });
const zero = (t: number): HistoryPoint => ({ t, depth: 0, maxDepth: 0, in: 0, out: 0 });
const gap = (t: number): HistoryPoint => ({ t, depth: null, maxDepth: null, in: null, out: null });
const raw = (o: Partial<FillOptions>): FillOptions => ({ step: 5, span: 0, from: 0, to: 1_000, anchor: 1_000, unobserved: [], ...o });

describe('fillIdle: raw samples the sampler skipped as unchanged', () => {
  const carried = (t: number, depth: number): HistoryPoint => ({ t, depth, maxDepth: depth, in: 0, out: 0 });
  const carry = (before: { t: number; depth: number } | null = null) => ({ before, maxSilenceSeconds: 70 });
  it('repeat the depth of the stored sample before them, with nothing moving', () => {
    // 100: 4 waiting, one taken; 105 … 115 unchanged (not stored); 120: two more.
    expect(fillIdle([p(100, 4, 0, 1), p(120, 6, 2, 0)], raw({ from: 100, to: 120, carry: carry() }))).toEqual([
      p(100, 4, 0, 1), carried(105, 4), carried(110, 4), carried(115, 4), p(120, 6, 2, 0),
    ]);
  });
  it('before the first stored sample in the window, repeat the last one before the window; without one, unknown', () => {
    expect(fillIdle([p(110, 7)], raw({ from: 100, to: 110, carry: carry({ t: 95, depth: 7 }) }))).toEqual([carried(100, 7), carried(105, 7), p(110, 7)]);
    expect(fillIdle([p(110, 7)], raw({ from: 100, to: 110, carry: carry() }))).toEqual([gap(100), gap(105), p(110, 7)]);
  });
  it('repeat nothing across a silence longer than the sampler ever leaves (it stores one a minute): it did not run', () => {
    const out = fillIdle([p(100, 3), p(200, 3)], raw({ from: 100, to: 200, carry: carry() }));
    expect(out.filter((x) => x.depth === 3).map((x) => x.t)).toEqual([100, 105, 110, 115, 120, 125, 130, 135, 140, 145, 150, 155, 160, 165, 170, 200]);
    expect(out.filter((x) => x.depth === null).map((x) => x.t)).toEqual([175, 180, 185, 190, 195]);
  });
  it('still leave a gap (no collector) unobserved', () => {
    expect(fillIdle([p(100, 6), p(120, 6)], raw({ from: 100, to: 120, unobserved: [{ start: 107, end: 113 }], carry: carry() }))).toEqual([
      p(100, 6), carried(105, 6), gap(110), carried(115, 6), p(120, 6),
    ]);
  });
});

describe('fillIdle: raw samples', () => {
  it('puts back one zero point per skipped sample between stored ones', () => {
    // 100: depth 4 and draining; 105 … 115 idle (not stored); 120: new work.
    expect(fillIdle([p(100, 4, 0, 1), p(120, 2, 2, 0)], raw({ from: 100, to: 120 }))).toEqual([p(100, 4, 0, 1), zero(105), zero(110), zero(115), p(120, 2, 2, 0)]);
  });

  it('adds nothing for sampling jitter (a sample up to 1.75 steps late) but fills a skipped one', () => {
    expect(fillIdle([p(100, 1), p(108.7, 1)], raw({ from: 100, to: 108.7 }))).toEqual([p(100, 1), p(108.7, 1)]);
    expect(fillIdle([p(100, 1), p(108.8, 1)], raw({ from: 100, to: 108.8 }))).toEqual([p(100, 1), zero(105), p(108.8, 1)]);
  });

  it('fills before the first and after the last stored point only while the sampler watched the queue', () => {
    // First seen at 90, last sampled at 132.5 (+ a quarter step of jitter).
    expect(fillIdle([p(100, 3), p(120, 3)], raw({ from: 90, to: 133.75 }))).toEqual([
      zero(90), zero(95), p(100, 3), zero(105), zero(110), zero(115), p(120, 3), zero(125), zero(130),
    ]);
  });

  it('marks missing samples inside a gap (no collector) as unobserved, keeping what was stored', () => {
    const out = fillIdle([p(100, 6), p(130, 6)], raw({ from: 100, to: 130, unobserved: [{ start: 107, end: 121 }] }));
    expect(out).toEqual([p(100, 6), zero(105), gap(110), gap(115), gap(120), zero(125), p(130, 6)]);
  });

  it('without any stored point, fills the watched window on the grid of the last sample', () => {
    expect(fillIdle([], raw({ from: 88, to: 101.25, anchor: 100 }))).toEqual([zero(90), zero(95), zero(100)]);
  });
});

describe('fillIdle: minutes', () => {
  const minutes = (o: Partial<FillOptions>): FillOptions => ({ step: 60, span: 60, from: 0, to: 0, anchor: 0, unobserved: [], ...o });

  it('fills idle minutes, but not the minute the sampler is still in nor one it started within', () => {
    // First seen at 6:10 (minute 6 is partly before), last sample at 10:30 (minute 10 not over).
    const out = fillIdle([p(480, 5)], minutes({ from: 370, to: 630 }));
    expect(out).toEqual([zero(420), p(480, 5), zero(540)]);
  });

  it('a minute touching a gap is unobserved', () => {
    const out = fillIdle([p(0, 1), p(600, 1)], minutes({ from: 0, to: 700, unobserved: [{ start: 190, end: 300 }] }));
    expect(out.map((x) => [x.t, x.depth])).toEqual([
      [0, 1], [60, 0], [120, 0], [180, null], [240, null], [300, null], [360, 0], [420, 0], [480, 0], [540, 0], [600, 1],
    ]);
  });

  it('buckets of 10 minutes: unobserved only when every minute was, otherwise the observed minutes', () => {
    const filled = fillIdle([p(60, 8)], minutes({ from: 0, to: 1_800, unobserved: [{ start: 600, end: 1_199 }] }));
    expect(bucket(filled, 600)).toEqual([{ t: 0, depth: 0, maxDepth: 8, in: 0, out: 0 }, gap(600), { t: 1_200, depth: 0, maxDepth: 0, in: 0, out: 0 }]);
  });
});

describe('routing unacked entries like kombu', () => {
  // Members as kombu 5.2 writes them (TopicExchange.key_to_pattern for 'orders.*' and '#').
  const table = new RouteTable();
  table.add('orders', { routingKey: 'orders.*', pattern: '^orders\\..*?[^\\.]$', queue: 'per-order' });
  table.add('orders', { routingKey: '#', pattern: '^.*?$', queue: 'audit' });
  table.add('bcast', { routingKey: '', pattern: '', queue: 'bcast.a' });
  table.add('bcast', { routingKey: '', pattern: '', queue: 'bcast.b' });
  table.add('direct', { routingKey: 'rk', pattern: '', queue: 'q1' });

  it('matches topic patterns, fans out, and matches direct keys exactly', () => {
    expect(queuesFor('orders', 'orders.eu', table)).toEqual(['per-order', 'audit']);
    expect(queuesFor('orders', 'orders', table)).toEqual(['audit']);
    expect(queuesFor('orders', 'invoices.eu', table)).toEqual(['audit']);
    expect(queuesFor('bcast', 'anything', table)).toEqual(['bcast.a', 'bcast.b']);
    expect(queuesFor('direct', 'rk', table)).toEqual(['q1']);
    expect(queuesFor('direct', 'rk2', table)).toEqual([]);
    expect(queuesFor('', 'plain', table)).toEqual(['plain']);
  });
});

describe('depth charts draw unobserved periods as breaks', () => {
  it('the sparkline draws one line per observed run', () => {
    expect(observedRuns([1, 2, null, null, 3])).toEqual([[{ i: 0, v: 1 }, { i: 1, v: 2 }], [{ i: 4, v: 3 }]]);
    const html = renderToStaticMarkup(createElement(DepthSparkline, { values: [1, 2, null, 3, 4] }));
    expect(html.match(/<polyline /g)).toHaveLength(2);
    expect(html).toContain('points="0,14 20,10"');
    expect(html).toContain('points="60,6 80,2"');
  });

  it('the depth chart gets the nulls and is told not to bridge them', () => {
    const points = [{ t: 0, depth: 2, maxDepth: 2 }, { t: 5, depth: null, maxDepth: null }, { t: 10, depth: 1, maxDepth: 1 }];
    const elements: ReactElement[] = [];
    const walk = (node: ReactNode) => {
      if (!isValidElement(node)) return;
      elements.push(node);
      const children = (node.props as { children?: ReactNode }).children;
      (Array.isArray(children) ? children : [children]).forEach(walk);
    };
    walk(DepthChart({ points }));
    const chart = elements.find((e) => e.type === LineChart);
    expect((chart?.props as { data: unknown }).data).toEqual(points);
    const lines = elements.filter((e) => e.type === Line).map((e) => e.props as { dataKey: string; connectNulls: boolean });
    expect(lines.map((l) => [l.dataKey, l.connectNulls])).toEqual([['depth', false], ['maxDepth', false]]);
  });
});
