// Debian's Chromium as the browser tests and the console bench launch it. Without the background-networking flags,
// Chromium keeps trying hosts this machine's closed network refuses.
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
