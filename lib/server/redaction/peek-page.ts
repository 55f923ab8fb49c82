import type { PeekPage } from '../queues/types';
import { hidden, type RedactView } from './hide';
import type { Redactor } from './redactor';

// Peeked broker messages carry the task's argsrepr/kwargsrepr as the client wrote them.

export function redactPeekPage(page: PeekPage, r: Redactor, view: RedactView): PeekPage {
  const items = page.items.map((m) => ({
    ...m,
    argsRepr: view.hideArgs ? hidden(m.argsRepr) : r.maybe(m.argsRepr),
    kwargsRepr: view.hideArgs ? hidden(m.kwargsRepr) : r.maybe(m.kwargsRepr),
    undecodable: r.maybe(m.undecodable),
  }));
  return { ...page, items };
}
