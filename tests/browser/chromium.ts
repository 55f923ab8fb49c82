// Debian's Chromium, driven by playwright-core (no browser download), with the flags this
// workplace needs (no sandbox as root; no background network traffic).
export const CHROMIUM_PATH = process.env.TRELLIS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
