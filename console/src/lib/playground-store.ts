/**
 * What the playground must remember across the trip to the authorization endpoint and back: the
 * PKCE verifier, the state and what was asked. In this tab's sessionStorage only, until the code is
 * redeemed. Never a client secret and never a token (an invitation given stays only in the
 * authorization URL as it was sent; sign-in uses it up).
 */

export interface PlaygroundRequest {
  clientId: string;
  org: string;
  redirectUri: string;
  scope: string;
  audience: string;
  prompt: string;
  /** max_age as typed, '' for none; absent in flows saved before it existed. */
  maxAge?: string;
  loginHint?: string;
  organization?: string;
  verifier: string;
  challenge: string;
  state: string;
  nonce: string;
  authorizeUrl: string;
  startedAt: number;
}

export interface PlaygroundResponse {
  code: string | null;
  state: string | null;
  iss: string | null;
  error: string | null;
  errorDescription: string | null;
  receivedAt: number;
}

export interface PendingFlow {
  request: PlaygroundRequest;
  response?: PlaygroundResponse;
}

const prefix = 'latchkey-playground:';

export function savePending(flow: PendingFlow): void {
  sessionStorage.setItem(prefix + flow.request.clientId, JSON.stringify(flow));
}

export function loadPending(clientId: string): PendingFlow | null {
  const raw = sessionStorage.getItem(prefix + clientId);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as PendingFlow;
  } catch {
    return null;
  }
}

export function clearPending(clientId: string): void {
  sessionStorage.removeItem(prefix + clientId);
}

/** The flow whose state the authorization response carries. */
export function findByState(state: string | null): PendingFlow | null {
  if (!state) return null;
  for (let index = 0; index < sessionStorage.length; index += 1) {
    const key = sessionStorage.key(index);
    if (!key?.startsWith(prefix)) continue;
    const flow = loadPending(key.slice(prefix.length));
    if (flow?.request.state === state) return flow;
  }
  return null;
}
