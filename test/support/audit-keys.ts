import { AuditKeyring } from '../../src/adapters/system/audit-keyring.js';

/** The audit key of every test server and test store unless a test brings its own. */
export const TEST_AUDIT_KEY = 'test-audit-key-0123456789abcdef0123456789abcdef';

/** The keyring of {@link TEST_AUDIT_KEY}. */
export const testAuditKeys = AuditKeyring.fromSecret(TEST_AUDIT_KEY);
