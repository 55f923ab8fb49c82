'use client';

import { notifyBrowserState, useDarkClass } from '@/lib/hooks/use-browser-state';

export function ThemeToggle() {
  const dark = useDarkClass();
  const toggle = () => {
    const next = !document.documentElement.classList.contains('dark');
    document.documentElement.classList.toggle('dark', next);
    localStorage.setItem('trellis-theme', next ? 'dark' : 'light');
    notifyBrowserState();
  };
  return (
    <button type="button" onClick={toggle} className="rounded border border-border px-2 py-1 text-xs text-muted hover:text-text" aria-label={dark ? 'Switch to light mode' : 'Switch to dark mode'}>
      {dark === null ? 'Theme' : dark ? 'Light' : 'Dark'}
    </button>
  );
}
