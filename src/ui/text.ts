import type { InteractionProblem } from '../protocol/interaction/engine.js';

/** An error page's words: its title, and the error code and description it shows. */
export interface ErrorText {
  title: string;
  code: string;
  description: string;
}

/** What the hosted pages say when an interaction can't go on. */
export const interactionProblemText: Readonly<Record<InteractionProblem, ErrorText>> = {
  expired: {
    title: 'Sign-in expired',
    code: 'invalid_request',
    description: 'This sign-in page has expired or was already used. Go back to the app and start again.',
  },
  other_browser: {
    title: 'Sign-in started elsewhere',
    code: 'invalid_request',
    description: 'This sign-in was started in another browser or its cookie is missing. Go back to the app and start again.',
  },
  unknown_client: { title: 'Unknown app', code: 'invalid_client', description: 'The app that started this sign-in no longer exists.' },
};

/** The CSRF refusal of each interaction form. */
export const forgedFormText = {
  login: {
    title: 'Form expired',
    code: 'invalid_request',
    description: 'The form was not sent from this sign-in page (CSRF check failed). Reload the page and try again.',
  },
  consent: {
    title: 'Form expired',
    code: 'invalid_request',
    description: 'The form was not sent from this consent page (CSRF check failed). Reload the page and try again.',
  },
  abort: { title: 'Form expired', code: 'invalid_request', description: 'The form was not sent from this page (CSRF check failed).' },
} as const satisfies Record<string, ErrorText>;

export const signInText = {
  missingFields: 'Enter your email and password.',
  unknownAccount: 'That account is no longer signed in on this browser: choose another, or sign in.',
  wrongCredentials: 'The email or password is not right.',
  /** Said only after the right password, so it tells nothing to someone guessing. */
  disabledAccount: 'This account is disabled. Ask an administrator of this server to enable it.',
  lockedAccount:
    'This account is locked for a while after too many failed sign-ins. Try again later, or reset your password with the link sent to its email address.',
  throttled: (seconds: number) => `Too many attempts. Try again in ${seconds} seconds.`,
  passkeyRefused:
    'That passkey could not sign you in: it is not registered to an account here (or was removed), or the request expired. Try again, or sign in with your password.',
  passkeyOff: 'Signing in with a passkey alone is turned off on this server. Sign in with your password.',
};

export const secondFactorText = {
  signIn: 'Your account uses two-step verification. Prove your second factor to finish signing in.',
  required: (who: string) => `${who} requires two-step verification. Prove your second factor to go on.`,
  enrollRequired: (who: string) => `${who} requires two-step verification, and your account has no second factor yet. Set one up now.`,
  wrongCode: 'That code is not right, or it was already used. Enter the current code from your app.',
  wrongRecoveryCode: 'That recovery code is not right, or it was already used.',
  missingCode: 'Enter the code.',
  enrollOnAccount: 'Add an authenticator app: signing in will then ask for a code from it.',
  disabled: 'This account is disabled. Ask an administrator of this server to enable it.',
  wrongPasskey: 'That passkey could not be used: it is not one of this account, or the request expired. Try again.',
  passkeyOnly:
    'This passkey did not verify you (no PIN, fingerprint or face), so it counts as one factor. Go back, sign in with your password, then use your passkey.',
};

export const deviceText = {
  forged: 'The form expired (CSRF check failed). Enter the code again.',
  invalidCode: 'That code is not valid or has expired. Check the code on your device.',
  emailUnverified: 'This app needs a verified email address. Follow the link we mailed you (your account page sends a new one), then enter the code again.',
  tooManyCodes: (seconds: number) => `Too many wrong codes. Try again in ${seconds} seconds.`,
  privateApp: (clientName: string) =>
    `${clientName} is private to its organization: only its members, people it invited and people an administrator pre-authorized may connect it. Ask the organization for an invitation, or sign in with another account.`,
};
