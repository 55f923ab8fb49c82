import { describe, expect, it } from 'vitest';
import { formatSpan, silenceLikeHref } from '@/components/alerts/format';
import { incidentSpans, type SpanSource } from '@/components/charts/incident-spans';

const incident = (o: Partial<SpanSource>): SpanSource => ({ id: 'i', ruleId: 'queue-no-consumer', severity: 'critical', firedAt: 100, resolvedAt: null, ...o });

describe('incident spans on a chart', () => {
  it('run from firing to resolving, an active one to the end of the range', () => {
    expect(incidentSpans([incident({ id: 'a', firedAt: 100, resolvedAt: 160 }), incident({ id: 'b', firedAt: 150 })], { from: 0, to: 200 })).toEqual([
      { id: 'a', from: 100, to: 160, severity: 'critical', label: 'queue-no-consumer' },
      { id: 'b', from: 150, to: 200, severity: 'critical', label: 'queue-no-consumer' },
    ]);
  });

  it('are clipped to the range; incidents outside it or that never fired draw nothing', () => {
    const spans = incidentSpans(
      [incident({ id: 'early', firedAt: 10, resolvedAt: 120 }), incident({ id: 'before', firedAt: 10, resolvedAt: 50 }), incident({ id: 'pending', firedAt: null }), incident({ id: 'after', firedAt: 300 })],
      { from: 100, to: 200 },
    );
    expect(spans.map((s) => [s.id, s.from, s.to])).toEqual([['early', 100, 120]]);
  });
});

describe('alerts formatting', () => {
  it('says rule durations the way people say them', () => {
    expect([0, 45, 300, 14_400, 5_400, 172_800].map(formatSpan)).toEqual(['immediately', '45 s', '5 min', '4 h', '1.5 h', '2 d']);
  });

  it('"silence like this" prefills the rule and the subject labels it has', () => {
    const href = silenceLikeHref({ ruleId: 'queue-backlog', labels: { queue: 'emails' } }, ['queue', 'worker', 'task']);
    const url = new URL(href, 'http://x');
    expect(Object.fromEntries(url.searchParams)).toEqual({ tab: 'silences', rule: 'queue-backlog', queue: 'emails' });
    expect(url.hash).toBe('#new-silence');
  });
});
