import { useEffect, useState } from 'react';
import { Checkbox, TextField } from '../../components/ui';
import { allowsGrant, grantTypeNames } from '../../lib/app-rules';
import { checkWhole, defaultBounds, loadBounds, type AppBounds } from '../../lib/bounds';
import { firstFor, type FieldErrors } from '../../lib/problems';
import { useApp, useSaver } from './context';
import { AssetTokensSection } from './AssetTokensSection';
import { ReadOnlyNotice, SaveBar } from './SaveBar';

/** Token lifetimes: access token TTL, refresh token on/off and TTL, ID token validity. */
export function TokensTab() {
  const { app, canEdit } = useApp();
  const [bounds, setBounds] = useState<AppBounds>(defaultBounds);
  useEffect(() => void loadBounds().then(setBounds), []);
  const [accessTtl, setAccessTtl] = useState(app.accessToken.ttlMinutes === null ? '' : String(app.accessToken.ttlMinutes));
  const [idTtl, setIdTtl] = useState(String(app.idToken.ttlMinutes));
  const [refresh, setRefresh] = useState(app.grantTypes.includes(grantTypeNames.refreshToken));
  const [refreshTtl, setRefreshTtl] = useState(String(app.refreshToken.ttlMinutes));
  const [deviceLifetime, setDeviceLifetime] = useState(app.deviceCode.lifetimeSeconds === null ? '' : String(app.deviceCode.lifetimeSeconds));
  const [deviceInterval, setDeviceInterval] = useState(app.deviceCode.pollIntervalSeconds === null ? '' : String(app.deviceCode.pollIntervalSeconds));
  const [local, setLocal] = useState<FieldErrors>([]);
  const deviceFlow = app.grantTypes.includes(grantTypeNames.deviceCode);
  const refreshAllowed = allowsGrant(app.type, grantTypeNames.refreshToken);
  const saver = useSaver({
    accessToken: { ttlMinutes: accessTtl },
    idToken: { ttlMinutes: idTtl },
    grantTypes: refresh,
    refreshToken: { ttlMinutes: refreshTtl },
    deviceCode: { lifetimeSeconds: deviceLifetime, pollIntervalSeconds: deviceInterval },
  });
  const errors = [...local, ...saver.errors];

  const submit = () => {
    const problems: { field: string; message: string }[] = [];
    const accessProblem = accessTtl.trim() === '' ? null : checkWhole(accessTtl, bounds.accessTokenTtlMinutes);
    if (accessProblem) problems.push({ field: 'accessToken.ttlMinutes', message: accessProblem });
    const idProblem = app.type === 'm2m' ? null : checkWhole(idTtl, bounds.idTokenTtlMinutes);
    if (idProblem) problems.push({ field: 'idToken.ttlMinutes', message: idProblem });
    const refreshProblem = refresh ? checkWhole(refreshTtl, bounds.refreshTokenTtlMinutes) : null;
    if (refreshProblem) problems.push({ field: 'refreshToken.ttlMinutes', message: refreshProblem });
    const lifetimeProblem = deviceFlow && deviceLifetime.trim() !== '' ? checkWhole(deviceLifetime, bounds.deviceCodeLifetimeSeconds, 'seconds') : null;
    if (lifetimeProblem) problems.push({ field: 'deviceCode.lifetimeSeconds', message: lifetimeProblem });
    const intervalProblem = deviceFlow && deviceInterval.trim() !== '' ? checkWhole(deviceInterval, bounds.devicePollIntervalSeconds, 'seconds') : null;
    if (intervalProblem) problems.push({ field: 'deviceCode.pollIntervalSeconds', message: intervalProblem });
    setLocal(problems);
    if (problems.length > 0) return;
    const grantTypes = refresh
      ? [...new Set([...app.grantTypes, grantTypeNames.refreshToken])]
      : app.grantTypes.filter((grant) => grant !== grantTypeNames.refreshToken);
    const scopes =
      app.type === 'm2m' ? app.scopes : refresh ? [...new Set([...app.scopes, 'offline_access'])] : app.scopes.filter((scope) => scope !== 'offline_access');
    void saver.save({
      accessToken: { ttlMinutes: accessTtl.trim() === '' ? null : Number(accessTtl) },
      ...(app.type !== 'm2m' ? { idToken: { ttlMinutes: Number(idTtl) } } : {}),
      ...(refreshAllowed ? { grantTypes, scopes, ...(refresh ? { refreshToken: { ttlMinutes: Number(refreshTtl) } } : {}) } : {}),
      ...(deviceFlow
        ? {
            deviceCode: {
              lifetimeSeconds: deviceLifetime.trim() === '' ? null : Number(deviceLifetime),
              pollIntervalSeconds: deviceInterval.trim() === '' ? null : Number(deviceInterval),
            },
          }
        : {}),
    });
  };

  return (
    <>
      <form
        className="card"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <h2>Tokens</h2>
        <ReadOnlyNotice />
        <fieldset disabled={!canEdit} className="plain">
          <TextField
            label="Access token TTL (minutes)"
            type="number"
            inputMode="numeric"
            value={accessTtl}
            onChange={setAccessTtl}
            min={bounds.accessTokenTtlMinutes.min}
            max={bounds.accessTokenTtlMinutes.max}
            hint={`Default ${bounds.accessTokenTtlMinutes.default}, from ${bounds.accessTokenTtlMinutes.min} to ${bounds.accessTokenTtlMinutes.max} minutes. Empty: the API's own lifetime.`}
            error={firstFor(errors, 'accessToken.ttlMinutes')}
          />
          {app.type !== 'm2m' ? (
            <TextField
              label="ID token validity (minutes)"
              type="number"
              inputMode="numeric"
              value={idTtl}
              onChange={setIdTtl}
              min={bounds.idTokenTtlMinutes.min}
              max={bounds.idTokenTtlMinutes.max}
              hint={`Default ${bounds.idTokenTtlMinutes.default}, from ${bounds.idTokenTtlMinutes.min} to ${bounds.idTokenTtlMinutes.max} minutes.`}
              error={firstFor(errors, 'idToken.ttlMinutes')}
            />
          ) : null}
          {refreshAllowed ? (
            <>
              <Checkbox
                label="Issue a refresh token"
                checked={refresh}
                onChange={setRefresh}
                hint="Adds the refresh_token grant type and the offline_access scope. Refresh tokens are issued when a request asks for offline_access and every API it names allows offline access."
                error={firstFor(errors, 'grantTypes')}
              />
              {refresh ? (
                <TextField
                  label="Refresh token TTL (minutes)"
                  type="number"
                  inputMode="numeric"
                  value={refreshTtl}
                  onChange={setRefreshTtl}
                  min={bounds.refreshTokenTtlMinutes.min}
                  max={bounds.refreshTokenTtlMinutes.max}
                  hint={`Default ${bounds.refreshTokenTtlMinutes.default}, from ${bounds.refreshTokenTtlMinutes.min} to ${bounds.refreshTokenTtlMinutes.max} minutes. Rotation and the retry window are on the Advanced tab.`}
                  error={firstFor(errors, 'refreshToken.ttlMinutes')}
                />
              ) : null}
            </>
          ) : (
            <p className="hint">A machine-to-machine app gets no refresh tokens: it asks for a new access token with its credentials.</p>
          )}
          {deviceFlow ? (
            <>
              <TextField
                label="Device code lifetime (seconds)"
                type="number"
                inputMode="numeric"
                value={deviceLifetime}
                onChange={setDeviceLifetime}
                min={bounds.deviceCodeLifetimeSeconds.min}
                max={bounds.deviceCodeLifetimeSeconds.max}
                hint={`How long the code shown on the device stays usable. Empty: the server's ${bounds.deviceCodeLifetimeSeconds.default} seconds; from ${bounds.deviceCodeLifetimeSeconds.min} to ${bounds.deviceCodeLifetimeSeconds.max}.`}
                error={firstFor(errors, 'deviceCode.lifetimeSeconds')}
              />
              <TextField
                label="Device polling interval (seconds)"
                type="number"
                inputMode="numeric"
                value={deviceInterval}
                onChange={setDeviceInterval}
                min={bounds.devicePollIntervalSeconds.min}
                max={bounds.devicePollIntervalSeconds.max}
                hint={`How long the device waits between polls. Empty: the server's ${bounds.devicePollIntervalSeconds.default} seconds; from ${bounds.devicePollIntervalSeconds.min} to ${bounds.devicePollIntervalSeconds.max}.`}
                error={firstFor(errors, 'deviceCode.pollIntervalSeconds')}
              />
            </>
          ) : null}
        </fieldset>
        <SaveBar busy={saver.busy} saved={saver.saved} error={saver.error} problems={saver.errors} labels={{ grantTypes: 'Issue a refresh token' }} />
      </form>
      <AssetTokensSection />
    </>
  );
}
