// A Shipgate executor in a process of its own, for tests that kill it mid-apply. Never part of the product.
import { Shipgate } from '../../src/app/shipgate.js';
import { KyselyStore } from '../../src/adapters/storage/kysely-store.js';
import { createLogger } from '../../src/adapters/system/logger.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { UuidV7Ids } from '../../src/adapters/system/uuid-ids.js';
import { ScriptedDriver } from './scripted-driver.js';
import { testAuditKeys } from './audit-keys.js';

const url = process.env['CHILD_DATABASE_URL']!;
const schema = process.env['CHILD_SCHEMA'];
const store = await KyselyStore.create({ url, schema, chain: testAuditKeys });
const driver = new ScriptedDriver('compose');
// Never finishes (it is killed mid-apply), or finishes after CHILD_HOLD_MS.
const holdMs = Number(process.env['CHILD_HOLD_MS'] ?? 0);
driver.hold = holdMs > 0 ? new Promise((resolve) => setTimeout(resolve, holdMs)) : new Promise(() => undefined);
const shipgate = new Shipgate({
  store,
  drivers: { compose: driver },
  clock: systemClock,
  ids: new UuidV7Ids(),
  logger: createLogger({ level: 'warn' }),
  auditKeys: testAuditKeys,
  executor: {
    instanceId: 'child',
    leaseMs: Number(process.env['CHILD_LEASE_MS'] ?? 600),
    pollMs: 100,
    shutdownGraceMs: Number(process.env['CHILD_GRACE_MS'] ?? 0),
  },
});
// SIGTERM as `npm start` handles it: stop claiming, let what runs finish within the grace, record the rest, exit.
process.once('SIGTERM', () => {
  void shipgate.executor
    .stop()
    .then(() => store.close())
    .then(() => process.exit(0));
});
shipgate.executor.start();
const timer = setInterval(() => {
  if (driver.applyCalls.length > 0) {
    process.stdout.write(`running ${driver.applyCalls[0]}\n`);
    clearInterval(timer);
  }
}, 20);
