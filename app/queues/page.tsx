import { ComingSoon } from '@/components/ui/coming-soon';

export const metadata = { title: 'Queues' };

export default function QueuesPage() {
  return <ComingSoon title="Queues" what="The queues view (depth, bands, consumers, history)" />;
}
