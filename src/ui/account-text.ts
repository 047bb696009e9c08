/** The account page's sections: where a form's refusal is shown. */
export type AccountSection = 'profile' | 'email' | 'password' | 'apps' | 'sessions' | 'identities';

/** What the page says after each change. */
export type AccountNotice = 'profile' | 'email' | 'password' | 'withdrawn' | 'signed_out' | 'unlinked';

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
};

export const accountText = {
  forged: 'The form was not sent from your account page (CSRF check failed). Reload the page and try again.',
  secondFactorUnavailable: 'Your account needs a second factor to sign in, and this server does not offer one yet. Ask your administrator for help.',
  problem: (field: string, message: string) => `${fieldLabels[field] ?? field} ${message}.`,
  notices: {
    profile: 'Your profile is saved.',
    email: 'We sent a link to the new address. Your email changes when you open it; until then your account keeps its current address.',
    password: 'Your password is changed. Your other sessions were signed out.',
    withdrawn: 'The app no longer has access. It will ask again if you use it.',
    signed_out: 'The session is signed out.',
    unlinked: 'The sign-in provider is unlinked. It no longer signs you in to this account.',
  } satisfies Record<AccountNotice, string>,
};
