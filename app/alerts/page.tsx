import { Empty } from '@/components/ui/card';

export const metadata = { title: 'Alerts' };

// Arrives with a later issue; the navigation entry is here so the shell is complete.
export default function AlertsPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Alerts</h1>
      <Empty>The Alerts page is not built yet.</Empty>
    </div>
  );
}
