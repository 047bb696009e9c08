/** What the bench tells the peer server (as JSON in PEER_CONFIG): the same shapes Latchkey gets seeded with. */
export interface PeerConfig {
  port: number;
  issuer: string;
  m2m: { clientId: string; clientSecret: string };
  web: { clientId: string; clientSecret: string; redirectUri: string };
  /** Resource servers: identifier → format and algorithm, like Latchkey's APIs. */
  resources: { identifier: string; scope: string; format: 'jwt' | 'opaque'; alg: 'RS256' | 'ES256' | 'EdDSA' }[];
  user: { id: string; email: string; name: string };
  /** Seconds: Latchkey's defaults. */
  ttl: { accessToken: number; idToken: number; refreshToken: number; authorizationCode: number; session: number };
}
