'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { NAV } from '@/lib/config/nav';
import { AlertsBadge } from './alerts-badge';

export function AppNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="-mx-1 flex flex-wrap gap-1 text-sm">
      {NAV.map((item) => {
        const active = item.href === '/' ? pathname === '/' : pathname.startsWith(item.href);
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? 'page' : undefined}
            className={`rounded px-2 py-1 ${active ? 'bg-surface-2 font-medium text-text' : 'text-muted hover:text-text'}`}
          >
            {item.label}
            {item.href === '/alerts' && <AlertsBadge />}
          </Link>
        );
      })}
    </nav>
  );
}
