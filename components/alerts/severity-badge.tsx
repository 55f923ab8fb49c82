import type { IncidentStatus, Severity } from './types';

const SEVERITY_STYLE: Record<Severity, string> = {
  critical: 'text-bad border-bad/40 bg-bad/10',
  warning: 'text-warn border-warn/40 bg-warn/10',
  info: 'text-info border-info/40 bg-info/10',
};

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span className={`inline-block rounded border px-1.5 py-0.5 text-xs font-medium uppercase ${SEVERITY_STYLE[severity]}`}>{severity}</span>;
}

const STATUS_STYLE: Record<IncidentStatus, string> = {
  firing: 'text-bad border-bad/40',
  acknowledged: 'text-warn border-warn/40',
  pending: 'text-muted border-border',
  silenced: 'text-muted border-border',
  resolved: 'text-ok border-ok/40',
};

export function IncidentStatusBadge({ status }: { status: IncidentStatus }) {
  return (
    <span className={`inline-block rounded border px-1.5 py-0.5 text-xs ${STATUS_STYLE[status]}`} data-status={status}>
      {status}
    </span>
  );
}
