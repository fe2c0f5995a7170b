import { Type, type Static } from 'typebox';
import { ALL_ENVIRONMENTS } from '../../../core/access/access.js';
import { TIMELINE_EVENT_TYPES } from '../../../core/audit/timeline-event.js';
import { DNS_LABEL } from '../../../core/names.js';
import { DELIVERY_STATUSES, WEBHOOK_FORMATS, WEBHOOK_TEST_EVENT } from '../../../core/webhooks/webhook.js';
import { MAX_WEBHOOK_URL_LENGTH } from '../../../core/webhooks/webhook-target.js';
import type { CreatedWebhook as CoreCreatedWebhook, DeliveryView as CoreDeliveryView } from '../../../app/webhooks.use-cases.js';
import { DateTime, Uuid, closed, literals, type Same } from '../common.schemas.js';

// Schemas of the webhook routes (`/webhooks`).

/** An environment name, or `*` for every environment. */
const EnvironmentOrAll = Type.String({
  minLength: 1,
  maxLength: DNS_LABEL.maxLength,
  pattern: `^(\\${ALL_ENVIRONMENTS}|${DNS_LABEL.pattern.slice(1, -1)})$`,
});

const Events = Type.Array(literals(TIMELINE_EVENT_TYPES), {
  minItems: 1,
  maxItems: TIMELINE_EVENT_TYPES.length,
  uniqueItems: true,
  description: 'Timeline event types to be told of',
});

const Environments = Type.Array(EnvironmentOrAll, {
  minItems: 1,
  maxItems: 100,
  uniqueItems: true,
  description: 'Environment names, or ["*"] for every environment',
});

const Format = literals(WEBHOOK_FORMATS);

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: MAX_WEBHOOK_URL_LENGTH, description: 'An http(s) URL on a public address' }),
    events: Events,
    environments: Environments,
    format: Format,
  },
  closed,
);

const webhookFields = {
  id: Uuid,
  url: Type.String(),
  events: Type.Array(literals(TIMELINE_EVENT_TYPES)),
  environments: Type.Array(Type.String()),
  format: Format,
  createdAt: DateTime,
  createdBy: Type.String(),
};

export const Webhook = Type.Object(webhookFields, { ...closed, description: 'A subscription, without its secret' });

export const CreatedWebhook = Type.Object(
  {
    ...webhookFields,
    secret: Type.String({ description: 'The `whsec_…` signing secret (Standard Webhooks). Shown once, never again' }),
  },
  closed,
);

export const WebhookList = Type.Object({ items: Type.Array(Webhook) }, closed);

export const Delivery = Type.Object(
  {
    id: Type.String({ description: 'Also the `webhook-id` header: the same on every attempt' }),
    eventType: literals([...TIMELINE_EVENT_TYPES, WEBHOOK_TEST_EVENT] as const),
    eventSeq: Type.Union([Type.Integer(), Type.Null()], { description: 'The timeline event told of; null for a test event' }),
    status: literals(DELIVERY_STATUSES),
    attempts: Type.Integer(),
    lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    nextAttemptAt: Type.Union([DateTime, Type.Null()], { description: 'When the next attempt is due; null once delivered or failed' }),
    createdAt: DateTime,
  },
  closed,
);

export const DeliveryList = Type.Object({ items: Type.Array(Delivery) }, closed);

// The API's shapes are the use cases': a field added, dropped or typed differently on one side fails the build.
const createdMatchesCore: Same<Static<typeof CreatedWebhook>, CoreCreatedWebhook> = true;
const deliveryMatchesCore: Same<Static<typeof Delivery>, CoreDeliveryView> = true;
void createdMatchesCore;
void deliveryMatchesCore;
