/** The account page's sections: where a form's refusal is shown. */
export type AccountSection = 'profile' | 'email' | 'password' | 'twoStep' | 'passkeys' | 'apps' | 'sessions' | 'identities';

/** What the page says after each change. */
export type AccountNotice =
  | 'profile'
  | 'email'
  | 'password'
  | 'two_step_on'
  | 'two_step_removed'
  | 'passkey_added'
  | 'passkey_renamed'
  | 'passkey_removed'
  | 'withdrawn'
  | 'signed_out'
  | 'unlinked';

/** The form fields a rule names, as the page labels them. */
const fieldLabels: Record<string, string> = {
  name: 'Name',
  givenName: 'Given name',
  familyName: 'Family name',
  picture: 'Picture URL',
  locale: 'Language',
  phoneNumber: 'Phone',
  address: 'Postal address',
  email: 'New email',
  currentPassword: 'Current password',
  newPassword: 'New password',
  passkeyName: 'Passkey name',
  passkey: 'The passkey',
};

export const accountText = {
  forged: 'The form was not sent from your account page (CSRF check failed). Reload the page and try again.',
  secondFactorFirst:
    'To remove a second factor or make new recovery codes, sign out and sign in again with your second factor: this session signed in with your password alone.',
  problem: (field: string, message: string) => `${fieldLabels[field] ?? field} ${message}.`,
  notices: {
    profile: 'Your profile is saved.',
    email: 'We sent a link to the new address. Your email changes when you open it; until then your account keeps its current address.',
    password: 'Your password is changed. Your other sessions were signed out.',
    two_step_on: 'Two-step verification is on: signing in asks for a code from your authenticator app.',
    two_step_removed: 'The authenticator app is removed.',
    passkey_added: 'Your passkey is added. You can sign in with it from now on.',
    passkey_renamed: 'The passkey is renamed.',
    passkey_removed: 'The passkey is removed. It no longer signs you in.',
    withdrawn: 'The app no longer has access. It will ask again if you use it.',
    signed_out: 'The session is signed out.',
    unlinked: 'The sign-in provider is unlinked. It no longer signs you in to this account.',
  } satisfies Record<AccountNotice, string>,
};
