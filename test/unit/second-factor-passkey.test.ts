import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecondFactors } from '../../src/domain/identity/second-factors.js';
import type { InteractionLogin } from '../../src/ports/oauth-repositories.js';
import type { SecretHasher } from '../../src/shared/opaque-secret.js';
import { SecondFactorPrompt, type SecondFactorPlace } from '../../src/ui/second-factor-prompt.js';
import { secondFactorText } from '../../src/ui/text.js';
import type { SecondFactorView } from '../../src/ui/views.js';

/** A prompt for a user whose only second factor is a passkey. */
function prompt(): SecondFactorPrompt {
  const secondFactors = { methodsOf: () => Promise.resolve(['passkey']) } as unknown as SecondFactors;
  const never = {} as never;
  return new SecondFactorPrompt(
    {
      secondFactors,
      users: { getUser: () => Promise.resolve(undefined) },
      csrfKey: { hash: (value: string) => value, matches: () => false } as unknown as SecretHasher,
      methods: { totp: never, recoveryCode: never },
      passkeys: { method: never, service: never },
    },
    { proveSecondFactor: never },
  );
}

const place: SecondFactorPlace = {
  bindingId: 'uid',
  csrf: 'csrf',
  clientName: 'App',
  logoUri: null,
  codeAction: '/interaction/uid/second-factor',
  enrollAction: '/interaction/uid/second-factor/enroll',
  continueAction: '/interaction/uid/second-factor/continue',
  abortAction: '/interaction/uid/abort',
  requiredBy: null,
  purpose: 'sign-in',
  passkeyActions: { options: '/interaction/uid/second-factor/passkey/options', submit: '/interaction/uid/second-factor/passkey' },
};

const login = (amr: string[]): InteractionLogin => ({ userId: 'usr_1', amr, authTime: 0, acr: null });

async function view(amr: string[], at = place): Promise<{ status: number; view: SecondFactorView }> {
  const response = await prompt().page(login(amr), at);
  assert.equal(response.kind, 'page');
  return { status: response.status, view: response.page.data as unknown as SecondFactorView };
}

test('after a password, the two-step page offers the passkey, and lets its scripts run', async () => {
  const { status, view: shown } = await view(['pwd']);
  assert.equal(status, 200);
  assert.equal(shown.passkeyScript, true);
  assert.deepEqual(shown.step.kind === 'challenge' && shown.step.passkey, {
    optionsAction: '/interaction/uid/second-factor/passkey/options',
    action: '/interaction/uid/second-factor/passkey',
  });
});

test('after a passkey without user verification, the same passkey is not offered as the second factor, and no app can be set up instead', async () => {
  for (const amr of [['hwk'], ['swk']]) {
    const { status, view: shown } = await view(amr);
    assert.equal(status, 400);
    assert.equal(shown.error, secondFactorText.passkeyOnly);
    assert.equal(shown.step.kind, 'challenge', 'not the enrollment of an authenticator app');
    assert.equal(shown.step.kind === 'challenge' && shown.step.passkey, null);
    assert.equal(shown.passkeyScript, false);
  }
});

test('a page without passkey routes does not offer one', async () => {
  const { passkeyActions: _, ...without } = place;
  const { view: shown } = await view(['pwd'], without);
  assert.equal(shown.step.kind === 'challenge' && shown.step.passkey, null);
});
