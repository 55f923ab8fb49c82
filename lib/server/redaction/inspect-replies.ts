import { redactSecrets } from '../celery/control';
import type { InspectCommand } from '../celery/control';
import { hidePayload, type RedactView } from './hide';
import type { Redactor } from './redactor';

// Every inspect reply: active/reserved/scheduled/query_task carry requests with their args and
// kwargs (lists and dicts, or reprs); conf and stats carry settings, where the wider set of secret
// setting names (SECRET_NAME: `key`, `auth`, `sasl`, …) applies first.

const SETTINGS: ReadonlySet<InspectCommand> = new Set(['conf', 'stats']);

export function redactInspectReply(command: InspectCommand, reply: unknown, r: Redactor, view: RedactView): unknown {
  const redacted = r.value(SETTINGS.has(command) ? redactSecrets(reply) : reply);
  return view.hideArgs && !SETTINGS.has(command) ? hidePayload(redacted) : redacted;
}
