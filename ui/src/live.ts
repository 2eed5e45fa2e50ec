// The live channel (docs/console.md §5): one EventSource per tab; each `sessions-changed` frame invalidates the
// list and the sessions it names. The browser reconnects on its own (with Last-Event-ID); `reset` refetches all.
import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

export function useLiveUpdates(client: QueryClient): boolean {
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const source = new EventSource('/api/v2/events');
    source.addEventListener('hello', () => setConnected(true));
    source.addEventListener('error', () => setConnected(false));
    source.addEventListener('sessions-changed', (event) => {
      const { sessionIds } = JSON.parse((event as MessageEvent<string>).data) as { sessionIds: string[] };
      void client.invalidateQueries({ queryKey: ['sessions'] });
      for (const id of sessionIds) void client.invalidateQueries({ queryKey: ['session', id] });
    });
    source.addEventListener('reset', () => void client.invalidateQueries());
    return () => source.close();
  }, [client]);
  return connected;
}
