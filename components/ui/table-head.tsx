/** A table's header row of column titles (small caps, muted), as the data tables use it. */
export function TableHead({ columns, className = 'text-xs uppercase text-muted' }: { columns: readonly string[]; className?: string }) {
  return (
    <thead className={className}>
      <tr>
        {columns.map((h) => (
          <th key={h} scope="col" className="py-1 pr-4 font-medium">
            {h}
          </th>
        ))}
      </tr>
    </thead>
  );
}
