/** Shapes of the management API's responses: the output types of the server's own schemas (src/contracts/views.ts). */
import type {
  ApiView,
  AppView,
  AppSecretView,
  AppWithSecretView,
  AuditEventView,
  CertificateView,
  ConsentView,
  InitialTokenView,
  InvitationView,
  LogoutDeliveryView,
  MeView,
  MemberView,
  OrgView,
  ReviewItemView,
  RotatedSecretView,
  SessionView,
  SigningKeyView,
  UserView,
} from '@contracts/views';

export type { AppStatus, AppType } from '@contracts/app-types';
export type { Role } from '@contracts/permissions';
export type { Page } from '@contracts/views';

export type Org = OrgView;
export type MyOrg = MeView['organizations'][number];
export type Me = MeView;
export type User = UserView;
export type UserSession = SessionView;
export type Member = MemberView;
export type Invitation = InvitationView;
export type Api = ApiView;
export type ApiScope = ApiView['scopes'][number];
export type ApiGrant = AppView['apiGrants'][number];
export type App = AppView;
export type ReviewItem = ReviewItemView;
export type AppWithSecret = AppWithSecretView;
export type RotatedSecret = RotatedSecretView;
export type AppSecret = AppSecretView;
export type Certificate = CertificateView;
export type AuditEvent = AuditEventView;
export type Consent = ConsentView;
export type LogoutDelivery = LogoutDeliveryView;
export type SigningKey = SigningKeyView;
export type InitialToken = InitialTokenView;
