import Link from 'next/link';
import type { ReactNode } from 'react';
import { AppNav } from '@/components/shell/app-nav';
import { SignedInAs } from '@/components/shell/signed-in-as';
import { ThemeToggle } from '@/components/shell/theme-toggle';
import { TimeModeToggle } from '@/components/shell/time-mode';
import { LiveIndicator, LiveProvider } from '@/components/live/live-refresh';
import { getContext } from '@/lib/server/context';
import { requirePage } from '@/lib/server/auth/page-guard';

// Every page of the app needs at least the viewer role (pages needing more check it themselves).
export default async function AppLayout({ children }: { children: ReactNode }) {
  const access = await requirePage('tasks:read');
  const open = getContext().config.auth.mode === 'none';
  return (
    <LiveProvider>
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-surface focus:px-3 focus:py-2">
        Skip to content
      </a>
      {open && (
        <p role="status" className="border-b border-warn/40 bg-warn/10 px-4 py-1 text-center text-xs text-text">
          No sign-in (TRELLIS_AUTH=none): whoever reaches this address is an admin. Trellis allows this on loopback only.
        </p>
      )}
      <header className="sticky top-0 z-40 border-b border-border bg-surface/95 backdrop-blur">
        <div className="mx-auto flex max-w-screen-2xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2">
          <Link href="/" className="text-lg font-semibold tracking-tight">
            Trellis
          </Link>
          <AppNav />
          <div className="ml-auto flex items-center gap-2">
            <LiveIndicator />
            <TimeModeToggle />
            <ThemeToggle />
            {!open && <SignedInAs name={access.principal.name} role={access.principal.role} />}
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-screen-2xl px-4 py-6">
        {access.ok ? children : <p role="alert">{access.message}</p>}
      </main>
    </LiveProvider>
  );
}
