'use client';

import { useSyncExternalStore } from 'react';

// Browser-only state (localStorage/sessionStorage values, the theme class, a ticking clock) read
// with useSyncExternalStore: the server render sees `null`, the browser the real value, and every
// component using the same key updates together.

const EVENT = 'trellis-browser-state';

function subscribe(callback: () => void): () => void {
  window.addEventListener(EVENT, callback);
  window.addEventListener('storage', callback);
  return () => {
    window.removeEventListener(EVENT, callback);
    window.removeEventListener('storage', callback);
  };
}

export function notifyBrowserState(): void {
  window.dispatchEvent(new Event(EVENT));
}

export function useStored(key: string, area: 'local' | 'session' = 'local'): string | null {
  return useSyncExternalStore(
    subscribe,
    () => (area === 'local' ? localStorage : sessionStorage).getItem(key),
    () => null,
  );
}

export function writeStored(key: string, value: string, area: 'local' | 'session' = 'local'): void {
  (area === 'local' ? localStorage : sessionStorage).setItem(key, value);
  notifyBrowserState();
}

export function useDarkClass(): boolean | null {
  return useSyncExternalStore(
    subscribe,
    () => document.documentElement.classList.contains('dark'),
    () => null,
  );
}

// One shared clock for relative times, ticking every 10 s while anything listens.
let now = 0;
const clockListeners = new Set<() => void>();
let clockTimer: ReturnType<typeof setInterval> | null = null;

function subscribeClock(callback: () => void): () => void {
  clockListeners.add(callback);
  if (!clockTimer) {
    now = Date.now() / 1000;
    clockTimer = setInterval(() => {
      now = Date.now() / 1000;
      for (const l of clockListeners) l();
    }, 10_000);
  }
  return () => {
    clockListeners.delete(callback);
    if (clockListeners.size === 0 && clockTimer) {
      clearInterval(clockTimer);
      clockTimer = null;
    }
  };
}

export function useNow(): number | null {
  return useSyncExternalStore(
    subscribeClock,
    () => now || Date.now() / 1000,
    () => null,
  );
}
