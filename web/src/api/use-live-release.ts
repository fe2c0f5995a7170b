import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { TimelineEvent } from './client';
import { queryKeys } from './queries';
import { watchRelease } from './release-stream';

/** Follows a release live: each new state goes into the query cache, and the timeline events arrive in order. */
export function useLiveRelease(id: string): TimelineEvent[] {
  const queryClient = useQueryClient();
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  useEffect(
    () =>
      watchRelease(id, {
        onEvent: (event) =>
          setEvents((list) => (list.some((e) => e.seq === event.seq) ? list : [...list, event].sort((a, b) => a.seq - b.seq))),
        onRelease: (next) => queryClient.setQueryData(queryKeys.release(id), next),
      }),
    [id, queryClient],
  );
  return events;
}
