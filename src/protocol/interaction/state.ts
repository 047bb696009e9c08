import type { InteractionChange, InteractionRecord, InteractionRepository, InteractionStep } from '../../ports/oauth-repositories.js';

export type { InteractionStep };

/**
 * What can happen to an interaction:
 * - `login_succeeded`: a sign-in method (or the second factor) proved who the user is;
 * - `second_factor_required`: the first method succeeded and another must follow, or the session
 *   signed in with one factor and the request asks for two (a step-up);
 * - `login_required`: the browser's session is gone, so sign-in starts over;
 * - `verification_required`: the user is known, and the app asks for a verified email address first;
 * - `email_verified`: the user says they verified it (the engine checks again);
 * - `consent_required`: the user is known, and must consent;
 * - `completed`: nothing more is needed, the request is answered;
 * - `failed`: it ends with an error (cancelled, denied, not a member).
 */
export type InteractionEvent =
  'login_succeeded' | 'second_factor_required' | 'login_required' | 'verification_required' | 'email_verified' | 'consent_required' | 'completed' | 'failed';

/** Every legal move, and only those. A new sign-in is allowed at consent: the user may switch accounts. */
export const transitions: Readonly<Record<InteractionStep, Readonly<Partial<Record<InteractionEvent, InteractionStep>>>>> = {
  login_pending: { login_succeeded: 'login_done', second_factor_required: 'second_factor_pending', failed: 'failed' },
  second_factor_pending: { login_succeeded: 'login_done', login_required: 'login_pending', failed: 'failed' },
  login_done: {
    second_factor_required: 'second_factor_pending',
    verification_required: 'verification_pending',
    consent_required: 'consent_pending',
    completed: 'done',
    failed: 'failed',
  },
  verification_pending: { email_verified: 'login_done', login_succeeded: 'login_done', login_required: 'login_pending', failed: 'failed' },
  consent_pending: { login_succeeded: 'login_done', login_required: 'login_pending', completed: 'done', failed: 'failed' },
  done: {},
  failed: {},
};

/** What an interaction waits for when it starts: sign-in, a second factor (step-up), a verified address, or only consent. */
export type InitialStep = Extract<InteractionStep, 'login_pending' | 'second_factor_pending' | 'verification_pending' | 'consent_pending'>;

export type Transition = { ok: true; step: InteractionStep } | { ok: false; from: InteractionStep; event: InteractionEvent };

/** The step an event leads to, or a refusal when the state machine has no such move. */
export function transition(from: InteractionStep, event: InteractionEvent): Transition {
  const step = transitions[from][event];
  return step === undefined ? { ok: false, from, event } : { ok: true, step };
}

export function isFinal(step: InteractionStep): boolean {
  return step === 'done' || step === 'failed';
}

/**
 * Stores one move of an interaction, for both flows: the event must be legal from `at` (the step
 * this request has taken it to), and the write is conditional on the step the request read, so
 * that of two racing requests one moves it. The new step, or undefined when it did not move.
 */
export async function moveInteraction(
  interactions: Pick<InteractionRepository, 'advance'>,
  record: InteractionRecord,
  at: InteractionStep,
  event: InteractionEvent,
  change: Omit<InteractionChange, 'step'>,
  now: number,
): Promise<InteractionStep | undefined> {
  const moved = transition(at, event);
  if (!moved.ok) return undefined;
  return (await interactions.advance(record.uid, record.step, { ...change, step: moved.step }, now)) ? moved.step : undefined;
}
