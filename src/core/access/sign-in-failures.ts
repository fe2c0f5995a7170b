/**
 * Why a browser sign-in at the identity provider did not open a session: the `reason` of the callback's
 * `UNAUTHENTICATED`, and what the sign-in page is told (`/sign-in?failed=<reason>`) so it can say so in words.
 */
export const SIGN_IN_FAILURES = {
  /** No sign-in under way in this browser for the answer (another browser, a replay, a forged state, too slow). */
  expired: 'sign_in_expired',
  /** The provider answered with an error: the user declined, or the provider refused this client. */
  declined: 'provider_declined',
  /** The provider's answer could not be verified, or named no subject. */
  unconfirmed: 'provider_unconfirmed',
} as const;

export type SignInFailure = (typeof SIGN_IN_FAILURES)[keyof typeof SIGN_IN_FAILURES];

const KNOWN: readonly string[] = Object.values(SIGN_IN_FAILURES);

/** True for a reason this module defines (an allowlist for values read back from a URL). */
export function isSignInFailure(value: unknown): value is SignInFailure {
  return typeof value === 'string' && KNOWN.includes(value);
}
