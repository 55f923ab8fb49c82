import { ComingSoon } from '@/components/ui/coming-soon';

export const metadata = { title: 'Alerts' };

export default function AlertsPage() {
  return <ComingSoon title="Alerts" what="Alerting (rules and notification channels)" />;
}
