import type { UpstreamFailure } from '../ports/upstream-providers.js';
import type { ErrorText } from './text.js';

/** What the hosted pages say when a sign-in with an upstream provider can't go on. */
export const federationText = {
  unknownState: {
    title: 'Sign-in could not be finished',
    code: 'invalid_request',
    description:
      'The answer from the sign-in provider does not belong to a sign-in started in this browser (its state is unknown, altered, used or expired). Go back to the app and start again.',
  },
  unknownConnection: {
    title: 'Sign-in provider unavailable',
    code: 'invalid_request',
    description: 'This sign-in provider is not offered here, or was turned off. Go back and choose another way to sign in.',
  },
  upstreamError: (provider: string, code: string, description: string | null): ErrorText => ({
    title: `${provider} did not sign you in`,
    code,
    description: `${provider} answered "${code}"${description ? `: ${description}` : ''}. Nothing was changed. Go back to the app to try again, or choose another way to sign in.`,
  }),
  failure: (provider: string, reason: UpstreamFailure, detail: string): ErrorText => {
    const what: Record<UpstreamFailure, string> = {
      unreachable: `${provider} could not be reached or its configuration could not be read`,
      exchange_failed: `${provider} refused to redeem the sign-in`,
      invalid_id_token: `The ID token from ${provider} is not valid`,
    };
    return { title: 'Sign-in with your provider failed', code: 'access_denied', description: `${what[reason]} (${detail}). Nothing was changed.` };
  },
  refused: {
    disabled: {
      title: 'Account disabled',
      code: 'access_denied',
      description: 'The account this provider signs you in to is disabled. Ask your administrator for help.',
    },
    no_email: {
      title: 'No email address',
      code: 'access_denied',
      description: 'The sign-in provider did not tell us your email address, which an account here needs. Ask your administrator to check the connection.',
    },
    no_subject: { title: 'Sign-in failed', code: 'access_denied', description: 'The sign-in provider did not identify you (no subject).' },
  },
  linkConflict: {
    title: 'Already linked',
    code: 'access_denied',
    description: 'This identity of the provider is linked to another account already. Nothing was changed.',
  },
  linkNeedsPassword: 'Enter the password of your account to link it.',
  linkSecondFactorPasskey: 'Your account uses two-step verification with passkeys, so its password alone can not link it. Use one of its passkeys.',
  linkNeedsCode: 'Your account uses two-step verification: enter a code from your authenticator app (or a recovery code) with the password.',
  linkWrongCode: 'That code is not right, or was used already. Enter the current code from your authenticator app, or a recovery code.',
  linkNoPasskey: 'This account has no passkey. Enter its password to link it.',
  linkPasskeyRefused: "That passkey is not one of this account's, or the request expired. Try again, or enter the account's password.",
} as const;
