import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { AppNav } from '@/components/shell/app-nav';
import { ThemeToggle } from '@/components/shell/theme-toggle';
import { TimeModeToggle } from '@/components/shell/time-mode';
import { LiveIndicator, LiveProvider } from '@/components/live/live-refresh';
import './globals.css';

export const metadata: Metadata = { title: { default: 'Trellis', template: '%s · Trellis' }, description: 'Celery on Redis, observed' };

// Sets the theme class before first paint (saved choice, else the system's), so there is no flash.
const themeScript = `try{var t=localStorage.getItem('trellis-theme');var d=t?t==='dark':matchMedia('(prefers-color-scheme: dark)').matches;document.documentElement.classList.toggle('dark',d)}catch(e){}`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body className="min-h-screen antialiased">
          <LiveProvider>
            <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-surface focus:px-3 focus:py-2">
              Skip to content
            </a>
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
                </div>
              </div>
            </header>
            <main id="main" className="mx-auto max-w-screen-2xl px-4 py-6">
              {children}
            </main>
          </LiveProvider>
      </body>
    </html>
  );
}
