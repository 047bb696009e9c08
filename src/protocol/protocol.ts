import type { CodeCredentials } from './interaction/second-factor-login.js';
import type { Actor } from '../domain/access/actor.js';
import type { AccountServices } from '../domain/identity/account-services.js';
import type { PasskeyService } from '../domain/identity/passkeys.js';
import type { UpstreamProviders } from '../ports/upstream-providers.js';
import type { AuthorizationService } from './authorize/authorization-service.js';
import type { ProtocolDependencies } from './context.js';
import type { DeviceVerification } from './device/verification.js';
import type { InteractionEngine } from './interaction/engine.js';
import type { LoginMethod } from './interaction/login-method.js';
import type { PasskeyCredentials } from './interaction/passkey-login.js';
import type { PasswordCredentials } from './interaction/password-login.js';
import type { TokenValidator } from './tokens/token-validator.js';

/**
 * The protocol engine as the HTTP layer sees it: the composition root (src/runtime) builds it,
 * the routes only call it.
 */
export interface Protocol {
  deps: ProtocolDependencies;
  authorization: AuthorizationService;
  /** Sign-in and consent of the authorization and the device flow. */
  interactions: InteractionEngine;
  device: DeviceVerification;
  /** The sign-in methods of the hosted pages. */
  loginMethods: {
    password: LoginMethod<PasswordCredentials>;
    totp: LoginMethod<CodeCredentials>;
    recoveryCode: LoginMethod<CodeCredentials>;
    passkey: LoginMethod<PasskeyCredentials>;
  };
  /**
   * Passkeys: their registration on the account page, whether the issuer can have them at all (not
   * on an IP address), and whether the sign-in page offers them without a password.
   */
  passkeys: { service: PasskeyService; available: boolean; passwordless: boolean };
  validator: TokenValidator;
  /** The relying party towards upstream OpenID providers (sign-in connections). */
  upstream: UpstreamProviders;
  /** Sign-up, email verification and password reset of the hosted account pages. */
  accounts: AccountServices;
  /** Latchkey-issued access tokens for the management API, as management actors. */
  authenticateManagementToken(token: string): Promise<Actor | null>;
  /**
   * A user acting through one of Latchkey's apps without a token in between (the console, whose
   * backend holds the user's session), as a management actor with the given scopes. Null when the
   * app may no longer use the management API, or the user is gone or disabled: the checks a
   * management token of that app and user gets on every call.
   */
  managementActorVia(clientId: string, userId: string, scopes: readonly string[]): Promise<Actor | null>;
}
