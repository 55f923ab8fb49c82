import { ComingSoon } from '@/components/ui/coming-soon';

export const metadata = { title: 'Audit' };

export default function AuditPage() {
  return <ComingSoon title="Audit" what="The audit log of operator actions" />;
}
