// Next.js calls register() once per server process. In the Node runtime it validates the
// configuration (failing fast with every problem listed) and starts the collector in-process
// unless TRELLIS_COLLECTOR=off (e.g. when `npm run collector` runs it separately).

export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startInServer } = await import('./lib/server/start-in-server');
  await startInServer();
}
