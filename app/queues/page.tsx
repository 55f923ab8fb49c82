import { Empty } from '@/components/ui/card';

export const metadata = { title: 'Queues' };

// Arrives with issue 4; the navigation entry is here so the shell is complete.
export default function QueuesPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Queues</h1>
      <Empty>The Queues page is not built yet.</Empty>
    </div>
  );
}
