/**
 * The optional parameters of the playground's authorization request: prompt, max_age,
 * login_hint, organization and invitation (OIDC Core §3.1.2.1; organization and invitation are
 * Latchkey's own), checked here as the server checks them, and a sentence on what each does.
 */
import { Select, TextField } from '../../../components/ui';
import type { Discovery } from './http';

export interface AuthorizeOptionsValue {
  prompt: string;
  maxAge: string;
  loginHint: string;
  organization: string;
  invitation: string;
}

export const noAuthorizeOptions: AuthorizeOptionsValue = { prompt: '', maxAge: '', loginHint: '', organization: '', invitation: '' };

/** The server ignores a login_hint longer than this (an email address is at most 254 characters, RFC 5321 §4.5.3.1). */
const loginHintMaxLength = 254;

const promptMeanings: Record<string, string> = {
  none: 'no page may be shown: without a session and consent, the answer is an error such as login_required or consent_required at the redirect URI',
  login: 'the user must sign in again, even with a session',
  consent: 'the consent page is shown even when the user consented before',
  select_account: 'the account chooser is shown, to pick one of the accounts signed in in this browser',
  create: 'the sign-up page opens instead of the sign-in page',
};

/** The prompt values the server's discovery lists (prompt_values_supported), else the two every OpenID provider knows. */
export function promptValues(discovery: Discovery): string[] {
  return discovery.prompt_values_supported ?? ['login', 'consent'];
}

/** What is wrong with the options, by field; empty when the request can be sent. */
export function authorizeOptionErrors(options: AuthorizeOptionsValue): Partial<Record<keyof AuthorizeOptionsValue, string>> {
  const errors: Partial<Record<keyof AuthorizeOptionsValue, string>> = {};
  // OIDC Core §3.1.2.1: max_age is a number of seconds; the server takes at most ten digits.
  if (options.maxAge !== '' && !/^\d{1,10}$/.test(options.maxAge)) errors.maxAge = 'max_age must be a whole number of seconds, 0 or more';
  if (options.invitation.trim() !== '' && options.organization.trim() === '') errors.invitation = 'an invitation needs the organization it is for';
  return errors;
}

/** The authorization request parameters these options add, in the order they are shown. */
export function authorizeOptionParameters(options: AuthorizeOptionsValue): Record<string, string> {
  const parameters: Record<string, string> = {};
  if (options.prompt) parameters.prompt = options.prompt;
  if (options.maxAge !== '') parameters.max_age = options.maxAge;
  if (options.loginHint.trim()) parameters.login_hint = options.loginHint.trim();
  if (options.organization.trim()) parameters.organization = options.organization.trim();
  if (options.invitation.trim()) parameters.invitation = options.invitation.trim();
  return parameters;
}

/** One sentence on what an authorization request parameter does, for the table of the built URL. */
export function explainParameter(name: string, value: string): string {
  switch (name) {
    case 'response_type':
      return 'code: the authorization code flow (RFC 6749 §4.1).';
    case 'client_id':
      return 'This app.';
    case 'redirect_uri':
      return 'Where the response goes; it must equal one of the app’s redirect URIs exactly.';
    case 'scope':
      return 'What the app asks for; the user consents to it.';
    case 'audience':
      return 'The API the access token is for (RFC 8707 calls it resource).';
    case 'code_challenge':
      return 'The SHA-256 of the code_verifier, which only the app knows (RFC 7636 §4.2).';
    case 'code_challenge_method':
      return 'S256, the only method Latchkey accepts.';
    case 'state':
      return 'Random: it comes back with the response, so the app knows it asked (RFC 6749 §10.12).';
    case 'nonce':
      return 'Random: the ID token repeats it, so a replayed ID token is caught (OIDC Core §3.1.2.1).';
    case 'prompt':
      return `${value}: ${promptMeanings[value] ?? 'a prompt value this server lists'} (OIDC Core §3.1.2.1).`;
    case 'max_age':
      return value === '0'
        ? 'The user must sign in again now, whatever their session (OIDC Core §3.1.2.1).'
        : `A sign-in older than ${value} seconds must be done again (OIDC Core §3.1.2.1).`;
    case 'login_hint':
      return 'Fills in the email on the sign-in page; only a hint: the user may still sign in as someone else.';
    case 'organization':
      return 'The organization (name or id) the user signs in to: after sign-in, someone who is not its member is refused with access_denied, unless the invitation makes them one; the tokens carry its id as org_id.';
    case 'invitation':
      return 'An invitation to that organization for the signing-in user’s email: accepted at sign-in, it makes them a member. One that does not hold makes no one a member.';
    default:
      return '';
  }
}

export function AuthorizeOptions({
  discovery,
  value,
  onChange,
  disabled,
}: {
  discovery: Discovery;
  value: AuthorizeOptionsValue;
  onChange: (value: AuthorizeOptionsValue) => void;
  disabled: boolean;
}) {
  const errors = authorizeOptionErrors(value);
  const set = (field: keyof AuthorizeOptionsValue) => (next: string) => onChange({ ...value, [field]: next });
  return (
    <fieldset className="authorize-options">
      <legend>Optional parameters</legend>
      <Select
        label="Prompt"
        value={value.prompt}
        onChange={set('prompt')}
        disabled={disabled}
        hint="The values this server lists in prompt_values_supported."
        options={[
          { value: '', label: 'None: sign in and consent only if needed' },
          ...promptValues(discovery).map((prompt) => ({ value: prompt, label: `${prompt}: ${promptMeanings[prompt] ?? prompt}` })),
        ]}
      />
      <TextField
        label="max_age (seconds)"
        value={value.maxAge}
        onChange={(next) => set('maxAge')(next.trim())}
        inputMode="numeric"
        disabled={disabled}
        error={errors.maxAge}
        hint="The oldest sign-in the app accepts; 0 asks for a fresh sign-in. Empty: any."
      />
      <TextField
        label="login_hint"
        value={value.loginHint}
        onChange={set('loginHint')}
        disabled={disabled}
        hint={
          value.loginHint.trim().length > loginHintMaxLength
            ? `Longer than ${loginHintMaxLength} characters: the server ignores it.`
            : 'An email to fill in on the sign-in page.'
        }
      />
      <TextField
        label="organization"
        value={value.organization}
        onChange={set('organization')}
        disabled={disabled}
        hint="An organization's name or id: the user must be its member (or join it with the invitation); the tokens then carry org_id."
      />
      <TextField
        label="invitation"
        value={value.invitation}
        onChange={set('invitation')}
        disabled={disabled}
        error={errors.invitation}
        className="mono-field"
        hint="An invitation token to that organization, for the email the user signs in with."
      />
    </fieldset>
  );
}
