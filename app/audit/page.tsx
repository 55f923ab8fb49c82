import { Empty } from '@/components/ui/card';

export const metadata = { title: 'Audit' };

// Arrives with a later issue; the navigation entry is here so the shell is complete.
export default function AuditPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Audit</h1>
      <Empty>The Audit page is not built yet.</Empty>
    </div>
  );
}
