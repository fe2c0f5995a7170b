import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { TIMELINE_EVENT_TYPES } from '../../../../src/core/audit/timeline-event-types';
import { api, unwrap, type CreatedWebhook, type Environment, type WebhookEventType, type WebhookFormat } from '../../api/client';
import { queryKeys } from '../../api/queries';
import { inWords } from '../../api/release-states';
import { useActions } from '../../api/use-actions';
import { ProblemNotice } from '../../components/problem-notice';

/** How each message format is named: one entry per format of the API (a format added there stops the build). */
export const FORMAT_LABEL: Record<WebhookFormat, string> = {
  standard: 'Standard Webhooks (JSON)',
  slack: 'Slack incoming webhook',
};
const FORMATS = Object.keys(FORMAT_LABEL) as WebhookFormat[];

/** The events a new subscription starts with: the two a person usually has to act on. */
const DEFAULT_EVENTS: WebhookEventType[] = ['approval.requested', 'execution.failed'];

/** Subscribe a URL: which events, of which environments, in which format. */
export function SubscriptionForm({
  environments,
  onCreated,
}: {
  environments: Environment[];
  onCreated: (created: CreatedWebhook) => void;
}) {
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<WebhookFormat>('standard');
  const [everywhere, setEverywhere] = useState(true);
  const [chosenEnvironments, setChosenEnvironments] = useState<string[]>([]);
  const [events, setEvents] = useState<WebhookEventType[]>(DEFAULT_EVENTS);
  const queryClient = useQueryClient();
  const actions = useActions({
    create: async () => {
      const body = { url: url.trim(), events, environments: everywhere ? ['*'] : chosenEnvironments, format };
      const created = await unwrap(api.POST('/api/v1/webhooks', { body }));
      await queryClient.invalidateQueries({ queryKey: queryKeys.webhooks });
      setUrl('');
      onCreated(created);
    },
  });
  const incomplete = url.trim() === '' || events.length === 0 || (!everywhere && chosenEnvironments.length === 0);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!incomplete) actions.run('create');
  };
  const toggle = <T,>(list: T[], value: T, on: boolean): T[] => (on ? [...list, value] : list.filter((v) => v !== value));
  const checkEvent = (type: WebhookEventType, on: boolean) => setEvents(toggle(events, type, on));

  return (
    <section className="panel" aria-labelledby="new-subscription-title">
      <h2 id="new-subscription-title">New subscription</h2>
      <form className="form" onSubmit={submit}>
        <div className="form-row">
          <label className="grow">
            Receiver URL
            <input
              type="url"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="https://hooks.example.com/shipgate"
              required
              aria-describedby="url-hint"
            />
          </label>
          <label>
            Format
            <select value={format} onChange={(e) => setFormat(e.target.value as WebhookFormat)}>
              {FORMATS.map((f) => (
                <option key={f} value={f}>
                  {FORMAT_LABEL[f]}
                </option>
              ))}
            </select>
          </label>
        </div>
        <p className="hint" id="url-hint">
          http or https only, on a public address: loopback and private addresses are refused unless the server allows them.
        </p>
        <fieldset className="checks">
          <legend>Environments</legend>
          <label>
            <input type="checkbox" checked={everywhere} onChange={(e) => setEverywhere(e.target.checked)} /> Every environment
          </label>
          {environments.map((env) => (
            <label key={env.name}>
              <input
                type="checkbox"
                checked={!everywhere && chosenEnvironments.includes(env.name)}
                disabled={everywhere}
                onChange={(e) => setChosenEnvironments(toggle(chosenEnvironments, env.name, e.target.checked))}
              />{' '}
              {env.name}
            </label>
          ))}
        </fieldset>
        <fieldset className="checks">
          <legend>Events</legend>
          {TIMELINE_EVENT_TYPES.map((type) => (
            <label key={type}>
              <input type="checkbox" checked={events.includes(type)} onChange={(e) => checkEvent(type, e.target.checked)} />{' '}
              {inWords(type.replace('.', ' '))}
            </label>
          ))}
        </fieldset>
        {actions.error && <ProblemNotice error={actions.error} />}
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={incomplete || actions.pending !== null}>
            {actions.pending ? 'Creating…' : 'Create subscription'}
          </button>
        </div>
      </form>
    </section>
  );
}
