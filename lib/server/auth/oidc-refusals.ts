// Why a single sign-on attempt ended back on the sign-in page (`/login?sso=<code>`): the page shows
// the sentence; the URL carries only the code, so nobody can put words on Trellis' page.

export const SSO_OUTCOMES = {
  'not-allowed': 'Your single sign-on account is not allowed into Trellis: its verified e-mail, domain and groups are not on the allow-list (TRELLIS_OIDC_ALLOW). Ask an administrator.',
  'no-role': 'Your single sign-on account is allowed, but none of your groups has a Trellis role (TRELLIS_OIDC_ROLES). Ask an administrator.',
  expired: 'The sign-in took too long or was started in another browser. Try again.',
  cancelled: 'Sign-in was cancelled at the provider.',
  failed: "Single sign-on failed: the provider's answer could not be verified. Try again; the reason is in Trellis' log.",
  unavailable: 'The single sign-on provider cannot be reached. Try again later.',
} as const;

export type SsoOutcome = keyof typeof SSO_OUTCOMES;

export function ssoMessage(code: string | string[] | undefined): string | null {
  return typeof code === 'string' && Object.hasOwn(SSO_OUTCOMES, code) ? SSO_OUTCOMES[code as SsoOutcome] : null;
}
