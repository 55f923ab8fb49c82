import type { TrellisConfig } from '../config';
import { FULL_VIEW, type RedactView } from '../redaction';
import type { Principal } from './authenticate';

/** TRELLIS_HIDE_ARGS=viewer: a viewer sees no task arguments, results or exception messages. */
export function viewFor(principal: Principal, config: Pick<TrellisConfig, 'hideArgs'>): RedactView {
  return principal.role === 'viewer' && config.hideArgs === 'viewer' ? { hideArgs: true } : FULL_VIEW;
}
