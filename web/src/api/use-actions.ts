import { useMutation } from '@tanstack/react-query';
import { useRef } from 'react';

/** The operations a group of buttons starts, by name. */
type Operations = Record<string, (...args: never[]) => Promise<unknown>>;

/** What a group of buttons needs of its operations: start one, which one runs, and how the last one failed. */
export interface Actions<O extends Operations> {
  /** Starts an operation unless one runs already; a failure lands in `error`, it is never thrown. */
  run<N extends keyof O & string>(name: N, ...args: Parameters<O[N]>): void;
  /** The operation under way, or null: the group's buttons stay disabled while one runs. */
  pending: (keyof O & string) | null;
  /** The last operation's failure, for a ProblemNotice; cleared when the next one starts. */
  error: Error | null;
}

/**
 * One TanStack Query mutation for a group of operations that share their busy state and their error, such as the
 * buttons of a release. `onError` runs before the failure shows, and the group stays busy until it has finished.
 * @example
 * const actions = useActions({ cancel: () => unwrap(api.POST(…)) });
 * <button onClick={() => actions.run('cancel')} disabled={actions.pending !== null}>Cancel</button>
 */
export function useActions<O extends Operations>(operations: O, options: { onError?: (error: Error) => unknown } = {}): Actions<O> {
  // Set at once, not at the next render: a double click must not start the work twice.
  const running = useRef(false);
  const mutation = useMutation({
    mutationFn: ({ name, args }: { name: keyof O & string; args: unknown[] }) =>
      (operations[name] as (...args: unknown[]) => Promise<unknown>)(...args),
    onError: options.onError,
  });
  return {
    run: (name, ...args) => {
      if (running.current) return;
      running.current = true;
      mutation.mutate({ name, args }, { onSettled: () => (running.current = false) });
    },
    pending: mutation.isPending ? mutation.variables.name : null,
    error: mutation.error,
  };
}
