import type { Severity } from './notification';
import type { Route } from './rules/schema';
import type { Rule } from './rules/schema';
import { matchesAny } from './evaluate/observation';

// Which channels receive an incident: the rule's own `channels` when it names any, else the first
// route matching its severity and rule id, else none (shown in the UI, never sent).

export function channelsFor(rule: Pick<Rule, 'id' | 'channels'>, severity: Severity, routes: readonly Route[]): string[] {
  if (rule.channels && rule.channels.length > 0) return rule.channels;
  const route = routes.find((r) => (!r.severity || r.severity.includes(severity)) && matchesAny(r.rules, rule.id));
  return route?.channels ?? [];
}
