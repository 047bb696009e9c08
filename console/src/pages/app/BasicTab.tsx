import { useState } from 'react';
import { RedirectUriEditor } from '../../components/RedirectUriEditor';
import { Select, TextField } from '../../components/ui';
import { usesRedirectUris } from '../../lib/app-rules';
import { firstFor } from '../../lib/problems';
import { useApp, useSaver } from './context';
import { ReadOnlyNotice, SaveBar } from './SaveBar';

/** The fields as this tab labels them, for the summary of a refused save. */
const labels = { name: 'App name' };

const nullable = (value: string) => (value.trim() === '' ? null : value.trim());

/** "Basic Info": name, description, links, visibility (drafts) and the callback URLs. */
export function BasicTab() {
  const { app, canEdit } = useApp();
  const [name, setName] = useState(app.name);
  const [description, setDescription] = useState(app.description);
  const [visibility, setVisibility] = useState(app.visibility);
  const [logoUri, setLogoUri] = useState(app.logoUri ?? '');
  const [homepageUri, setHomepageUri] = useState(app.homepageUri ?? '');
  const [privacyPolicyUri, setPrivacyPolicyUri] = useState(app.privacyPolicyUri ?? '');
  const [termsOfServiceUri, setTermsOfServiceUri] = useState(app.termsOfServiceUri ?? '');
  const [redirectUris, setRedirectUris] = useState(app.redirectUris.length > 0 ? app.redirectUris : ['']);
  const [postLogout, setPostLogout] = useState(app.postLogoutRedirectUris.length > 0 ? app.postLogoutRedirectUris : ['']);
  const saver = useSaver(
    {
      name,
      description,
      visibility,
      logoUri,
      homepageUri,
      privacyPolicyUri,
      termsOfServiceUri,
      redirectUris,
      postLogoutRedirectUris: postLogout,
    },
    labels,
  );
  const errors = saver.errors;
  const redirects = usesRedirectUris(app.type);

  const submit = () => {
    const patch: Record<string, unknown> = {
      name,
      description,
      logoUri: nullable(logoUri),
      homepageUri: nullable(homepageUri),
      privacyPolicyUri: nullable(privacyPolicyUri),
      termsOfServiceUri: nullable(termsOfServiceUri),
    };
    if (app.status === 'draft') patch.visibility = visibility;
    if (redirects) {
      const uris = redirectUris.map((uri) => uri.trim()).filter(Boolean);
      const logoutUris = postLogout.map((uri) => uri.trim()).filter(Boolean);
      setRedirectUris(uris.length > 0 ? uris : ['']);
      setPostLogout(logoutUris.length > 0 ? logoutUris : ['']);
      patch.redirectUris = uris;
      patch.postLogoutRedirectUris = logoutUris;
    }
    void saver.save(patch);
  };

  return (
    <form
      className="card"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <h2>Basic info</h2>
      <ReadOnlyNotice />
      <fieldset disabled={!canEdit} className="plain">
        <TextField label="App name" value={name} onChange={setName} required error={firstFor(errors, 'name')} />
        <TextField label="Description" multiline value={description} onChange={setDescription} error={firstFor(errors, 'description')} />
        <Select
          label="Visibility"
          value={visibility}
          onChange={(value) => setVisibility(value === 'public' ? 'public' : 'private')}
          disabled={app.status !== 'draft'}
          options={[
            { value: 'private', label: 'Private: for your organization' },
            { value: 'public', label: 'Public: for everyone, after approval' },
          ]}
          hint={app.status === 'draft' ? 'Public apps need an admin to approve them.' : 'Visibility can change only while the app is a draft.'}
          error={firstFor(errors, 'visibility')}
        />
        {redirects ? (
          <RedirectUriEditor
            field="redirectUris"
            label="OAuth callback URLs (redirect URIs)"
            itemLabel="Redirect URI"
            type={app.type}
            uris={redirectUris}
            onChange={setRedirectUris}
            errors={errors}
            placeholdersAllowed={app.status === 'draft'}
            disabled={!canEdit}
            hint="Matched as exact strings at sign-in. Placeholders are fine while the app is a draft; replace them before you submit or activate it."
          />
        ) : null}
        <div className="grid-2">
          <TextField label="Logo URL" type="url" value={logoUri} onChange={setLogoUri} error={firstFor(errors, 'logoUri')} placeholder="https://" />
          <TextField label="Homepage" type="url" value={homepageUri} onChange={setHomepageUri} error={firstFor(errors, 'homepageUri')} placeholder="https://" />
          <TextField
            label="Privacy policy URL"
            type="url"
            value={privacyPolicyUri}
            onChange={setPrivacyPolicyUri}
            error={firstFor(errors, 'privacyPolicyUri')}
            placeholder="https://"
          />
          <TextField
            label="Terms of service URL"
            type="url"
            value={termsOfServiceUri}
            onChange={setTermsOfServiceUri}
            error={firstFor(errors, 'termsOfServiceUri')}
            placeholder="https://"
          />
        </div>
        {redirects ? (
          <RedirectUriEditor
            field="postLogoutRedirectUris"
            label="Post-logout redirect URIs"
            itemLabel="Post-logout redirect URI"
            type={app.type}
            uris={postLogout}
            onChange={setPostLogout}
            errors={errors}
            placeholdersAllowed={app.status === 'draft'}
            disabled={!canEdit}
            hint="Where Latchkey may send the browser after the user signs out (RP-initiated logout)."
          />
        ) : null}
      </fieldset>
      <dl className="facts">
        <dt>Created</dt>
        <dd>
          {new Date(app.createdAt).toLocaleString()} by {app.createdBy ?? 'unknown'}
        </dd>
        <dt>Updated</dt>
        <dd>{new Date(app.updatedAt).toLocaleString()}</dd>
      </dl>
      <SaveBar busy={saver.busy} saved={saver.saved} error={saver.error} problems={errors} labels={labels} />
    </form>
  );
}
