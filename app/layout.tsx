import type { Metadata } from 'next';
import { headers } from 'next/headers';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = { title: { default: 'Trellis', template: '%s · Trellis' }, description: 'Celery on Redis, observed' };

// Sets the theme class before first paint (saved choice, else the system's), so there is no flash.
const themeScript = `try{var t=localStorage.getItem('trellis-theme');var d=t?t==='dark':matchMedia('(prefers-color-scheme: dark)').matches;document.documentElement.classList.toggle('dark',d)}catch(e){}`;

// The document: theme before first paint. The app's shell (navigation, live updates) is in
// app/(app)/layout.tsx, behind sign-in; the sign-in page has none of it.
export default async function RootLayout({ children }: { children: ReactNode }) {
  // The request's script nonce (proxy.ts): the page's CSP runs no inline script without it.
  const nonce = (await headers()).get('x-nonce') ?? undefined;
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body className="min-h-screen antialiased">{children}</body>
    </html>
  );
}
