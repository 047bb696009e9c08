// The console's Signing keys page, for server administrators only: the keys as cards at 375 px
// without scrolling sideways, rotating one algorithm now (its old key retires but stays
// published), revoking a key behind an explicit confirmation (its kid leaves the JWKS at once),
// and the server's refusal shown in the dialog when the page is out of date.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { paths } from '../../src/contracts/paths.js';
import { operatorActor } from '../../src/domain/access/actor.js';
import { browserSkipReason, launchChromium, screenshot } from '../support/browser.js';
import { oauthFixture, type OAuthFixture } from '../support/oauth.js';
import { assertNoSidewaysScroll, signInToConsole, withPage } from './console-helpers.js';

if (browserSkipReason) console.log(`# ${browserSkipReason}`);

interface Jwk {
  kid: string;
  alg: string;
}

describe('the console Signing keys page (server administrators)', { skip: browserSkipReason }, () => {
  let fixture: OAuthFixture;
  let browser: Browser;
  let root: { id: string; email: string; password: string };

  /** The JWKS as a relying party reads it, over HTTP. */
  const jwks = async (): Promise<Jwk[]> => {
    const response = await fetch(`${fixture.issuer}${paths.jwks}`);
    assert.equal(response.status, 200);
    return ((await response.json()) as { keys: Jwk[] }).keys;
  };
  const keyCard = (page: Page, kid: string): Locator => page.getByRole('list', { name: 'Signing keys' }).getByRole('listitem', { name: `Key ${kid}` });
  const statusOf = async (page: Page, kid: string): Promise<string> => (await keyCard(page, kid).locator('.key-status').innerText()).trim();

  before(async () => {
    fixture = await oauthFixture();
    root = await fixture.createUser('root@example.test');
    await fixture.server.server.runtime.registry.users.update({ actor: operatorActor }, root.id, { isAdmin: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await fixture?.stop();
  });

  test('someone who is not a server administrator has no Signing keys entry, and the page says who may', async () => {
    await withPage(browser, 'keys-hidden', async (page) => {
      await signInToConsole(page, fixture);
      const nav = page.getByRole('navigation', { name: 'Console' });
      await nav.getByRole('link', { name: 'Members' }).waitFor();
      assert.equal(await nav.getByRole('link', { name: 'Signing keys' }).count(), 0);
      await page.goto(`${fixture.issuer}/console/orgs/default/keys`);
      await page.getByRole('heading', { name: 'Only server administrators manage signing keys' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Rotate now' }).count(), 0);
    });
  });

  test('at 375 px an administrator rotates RS256, sees the old key retiring, and revokes it: its kid leaves the JWKS', async () => {
    const before = await jwks();
    const oldRs256 = before.find((key) => key.alg === 'RS256')!;
    assert.ok(oldRs256, 'the server publishes an RS256 key');

    await withPage(
      browser,
      'keys-rotate-revoke',
      async (page) => {
        await signInToConsole(page, fixture, root);
        await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Signing keys' }).click();
        await page.getByRole('heading', { name: 'Signing keys', level: 1 }).waitFor();
        await page.getByRole('heading', { name: 'How keys rotate' }).waitFor();
        await page.getByText('keys.rotateEveryDays').waitFor();
        const cards = page.getByRole('list', { name: 'Signing keys' }).getByRole('listitem');
        await cards.first().waitFor();
        assert.equal(await cards.count(), before.length, 'one card for each published key');
        for (const key of before) assert.match(await statusOf(page, key.kid), /^Active — signs new tokens since /, `${key.kid} is active`);
        await assertNoSidewaysScroll(page, 'the list');
        await screenshot(page, 'keys-01-list-375');

        // Rotate RS256 only: the confirmation says the old key stays published.
        await page.getByRole('button', { name: 'Rotate now' }).click();
        const rotateDialog = page.getByRole('dialog', { name: 'Rotate the signing keys now?' });
        await rotateDialog.getByText(/stays in the JWKS until every token it signed has expired/).waitFor();
        await rotateDialog.getByLabel('Algorithm').selectOption('RS256');
        await assertNoSidewaysScroll(page, 'the rotate dialog');
        await rotateDialog.getByRole('button', { name: 'Rotate now' }).click();
        await page.getByText('A new RS256 key signs from now on.').waitFor();
        assert.match(await statusOf(page, oldRs256.kid), /^Retiring — published until /);
        const afterRotation = await jwks();
        const newRs256 = afterRotation.find((key) => key.alg === 'RS256' && !before.some((old) => old.kid === key.kid));
        assert.ok(newRs256, 'the JWKS has a new RS256 key');
        assert.ok(
          afterRotation.some((key) => key.kid === oldRs256.kid),
          'the retiring key is still published',
        );
        assert.match(await statusOf(page, newRs256.kid), /^Active — /);
        for (const key of before.filter((other) => other.alg !== 'RS256'))
          assert.match(await statusOf(page, key.kid), /^Active — /, 'other algorithms are untouched');
        await assertNoSidewaysScroll(page, 'the list after rotation');
        await screenshot(page, 'keys-02-rotated-375');

        // Revoke the retiring key: cancelling changes nothing; confirming needs the acknowledgement.
        const card = keyCard(page, oldRs256.kid);
        await card.getByRole('button', { name: `Revoke ${oldRs256.kid}` }).click();
        const revokeDialog = page.getByRole('dialog', { name: `Revoke key ${oldRs256.kid}?` });
        await revokeDialog.getByText('Tokens signed with this key stop working at once.').waitFor();
        await revokeDialog.getByRole('button', { name: 'Cancel' }).click();
        await revokeDialog.waitFor({ state: 'hidden' });
        assert.ok(
          (await jwks()).some((key) => key.kid === oldRs256.kid),
          'cancelling keeps the key published',
        );
        assert.match(await statusOf(page, oldRs256.kid), /^Retiring/);

        await card.getByRole('button', { name: `Revoke ${oldRs256.kid}` }).click();
        const confirm = revokeDialog.getByRole('button', { name: 'Revoke key' });
        assert.equal(await confirm.isDisabled(), true, 'nothing is revoked before the acknowledgement');
        await revokeDialog.getByLabel('I understand that tokens signed with this key stop working at once').check();
        await assertNoSidewaysScroll(page, 'the revoke dialog');
        await screenshot(page, 'keys-03-revoke-375');
        await confirm.click();
        await page.getByText(`Key ${oldRs256.kid} is revoked`).waitFor();
        assert.match(await statusOf(page, oldRs256.kid), /^Revoked /);
        assert.equal(await card.getByRole('button', { name: /^Revoke/ }).count(), 0, 'a revoked key offers no Revoke');
        const afterRevocation = await jwks();
        assert.ok(!afterRevocation.some((key) => key.kid === oldRs256.kid), 'the revoked kid is gone from the JWKS');
        assert.ok(
          afterRevocation.some((key) => key.kid === newRs256.kid),
          'the active RS256 key is still published',
        );
        await assertNoSidewaysScroll(page, 'the list after revocation');
      },
      { viewport: { width: 375, height: 800 } },
    );
  });

  test("the server's refusal shows in the dialog: a key revoked meanwhile is already revoked", async () => {
    const es256 = (await jwks()).find((key) => key.alg === 'ES256')!;
    assert.ok(es256, 'the server publishes an ES256 key');
    await withPage(browser, 'keys-stale', async (page) => {
      await signInToConsole(page, fixture, root, '/console/orgs/default/keys');
      await page.getByRole('heading', { name: 'Signing keys', level: 1 }).waitFor();
      const card = keyCard(page, es256.kid);
      await card.waitFor();
      // Someone else (the CLI) revokes it while this page is open.
      await fixture.server.server.runtime.registry.keys.revoke({ actor: operatorActor }, es256.kid);
      await card.getByRole('button', { name: `Revoke ${es256.kid}` }).click();
      const dialog = page.getByRole('dialog', { name: `Revoke key ${es256.kid}?` });
      await dialog.getByText(/It is the active ES256 key: a new key replaces it/).waitFor();
      await dialog.getByLabel('I understand that tokens signed with this key stop working at once').check();
      await dialog.getByRole('button', { name: 'Revoke key' }).click();
      await dialog
        .getByRole('alert')
        .getByText(/already revoked/)
        .waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await page.reload();
      assert.match(await statusOf(page, es256.kid), /^Revoked /);
      await screenshot(page, 'keys-04-desktop');
    });
  });
});
