import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isFinal, transition, transitions, type InteractionEvent, type InteractionStep } from '../../src/protocol/interaction/state.js';

const steps: InteractionStep[] = ['login_pending', 'login_done', 'second_factor_pending', 'verification_pending', 'consent_pending', 'done', 'failed'];
const events: InteractionEvent[] = [
  'login_succeeded',
  'second_factor_required',
  'login_required',
  'verification_required',
  'email_verified',
  'consent_required',
  'completed',
  'failed',
];

/** Every legal move: from, event, to. Anything not listed here must be refused. */
const legal: [InteractionStep, InteractionEvent, InteractionStep][] = [
  ['login_pending', 'login_succeeded', 'login_done'],
  ['login_pending', 'second_factor_required', 'second_factor_pending'],
  ['login_pending', 'failed', 'failed'],
  ['second_factor_pending', 'login_succeeded', 'login_done'],
  ['second_factor_pending', 'login_required', 'login_pending'],
  ['second_factor_pending', 'failed', 'failed'],
  ['login_done', 'second_factor_required', 'second_factor_pending'],
  ['login_done', 'verification_required', 'verification_pending'],
  ['login_done', 'consent_required', 'consent_pending'],
  ['verification_pending', 'email_verified', 'login_done'],
  ['verification_pending', 'login_succeeded', 'login_done'],
  ['verification_pending', 'login_required', 'login_pending'],
  ['verification_pending', 'failed', 'failed'],
  ['login_done', 'completed', 'done'],
  ['login_done', 'failed', 'failed'],
  ['consent_pending', 'login_succeeded', 'login_done'],
  ['consent_pending', 'login_required', 'login_pending'],
  ['consent_pending', 'completed', 'done'],
  ['consent_pending', 'failed', 'failed'],
];

describe('the interaction state machine', () => {
  for (const [from, event, to] of legal) {
    test(`${from} --${event}--> ${to}`, () => {
      assert.deepEqual(transition(from, event), { ok: true, step: to });
    });
  }

  const isLegal = (from: InteractionStep, event: InteractionEvent) => legal.some(([f, e]) => f === from && e === event);
  for (const from of steps) {
    for (const event of events.filter((candidate) => !isLegal(from, candidate))) {
      test(`${from} refuses ${event}`, () => {
        assert.deepEqual(transition(from, event), { ok: false, from, event });
      });
    }
  }

  test('the table holds exactly the legal moves', () => {
    const listed = Object.entries(transitions).flatMap(([from, moves]) => Object.entries(moves).map(([event, to]) => [from, event, to]));
    assert.deepEqual(listed.sort(), legal.map((move) => [...move]).sort());
  });

  test('done and failed are final: nothing leaves them', () => {
    for (const step of steps) assert.equal(isFinal(step), step === 'done' || step === 'failed', step);
    for (const event of events) {
      assert.equal(transition('done', event).ok, false);
      assert.equal(transition('failed', event).ok, false);
    }
  });

  test('consent can not be skipped: no step but login_done and consent_pending completes', () => {
    const completing = steps.filter((step) => transition(step, 'completed').ok);
    assert.deepEqual(completing.sort(), ['consent_pending', 'login_done']);
  });

  test('an unverified address never completes the request: verification_pending goes back to login_done first', () => {
    assert.equal(transition('verification_pending', 'completed').ok, false);
    assert.equal(transition('verification_pending', 'consent_required').ok, false);
    assert.deepEqual(
      steps.filter((step) => transition(step, 'verification_required').ok),
      ['login_done'],
    );
  });

  test('a second factor is reached only from a first sign-in (or a signed-in step-up), and ends in login_done', () => {
    assert.deepEqual(
      steps.filter((step) => transition(step, 'second_factor_required').ok),
      ['login_pending', 'login_done'],
    );
    assert.deepEqual(transition('second_factor_pending', 'login_succeeded'), { ok: true, step: 'login_done' });
    assert.equal(transition('second_factor_pending', 'completed').ok, false, 'a pending second factor never completes the request');
  });
});
