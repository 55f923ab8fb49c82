import { Empty } from './card';

/** A page whose feature arrives with a later issue: listed in the navigation, honest about it. */
export function ComingSoon({ title, what }: { title: string; what: string }) {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">{title}</h1>
      <Empty>{what} is not built yet: it is on the roadmap.</Empty>
    </div>
  );
}
