import 'server-only';
import type { AlertNotification } from '../notification';
import type { Attempt, AttemptContext } from './attempt';
import { postJson } from './http';
import type { ChannelOf } from './schema';
import { facts, headline, stateWord, truncate } from './text';

// Slack incoming webhook: a Block Kit message (header, section with fields, a button to the Trellis
// view, context line) with `text` as the notification fallback. Limits from Slack's Block Kit
// reference: header 150 chars, section text 3000, at most 10 fields of 2000, button text 75.

const ICON: Record<AlertNotification['kind'], string> = {
  firing: ':rotating_light:',
  repeat: ':rotating_light:',
  acknowledged: ':eyes:',
  resolved: ':white_check_mark:',
  test: ':test_tube:',
};

/** Slack mrkdwn treats &, < and > as control characters. */
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderSlack(n: AlertNotification): Record<string, unknown> {
  const stateLine = n.kind === 'resolved' ? 'Resolved: this alert is over.' : n.kind === 'test' ? 'A test message from Trellis.' : '';
  return {
    text: headline(n),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(`${stateWord(n)}: ${n.summary}`, 150), emoji: true } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: truncate(escape([ICON[n.kind], stateLine, n.description || n.summary].filter(Boolean).join(' ')), 3000) },
        fields: facts(n)
          .slice(0, 10)
          .map(([label, value]) => ({ type: 'mrkdwn', text: truncate(`*${escape(label)}*\n${escape(value)}`, 2000) })),
      },
      {
        type: 'actions',
        elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Trellis' }, url: n.url, action_id: 'open-trellis' }],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: escape(`Trellis · incident ${n.incidentId} · ${n.kind}`) }] },
    ],
  };
}

export function sendSlack(c: ChannelOf<'slack'>, n: AlertNotification, ctx: AttemptContext): Promise<Attempt> {
  return postJson(c.url, JSON.stringify(renderSlack(n)), ctx.signal);
}
