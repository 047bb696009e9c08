/**
 * Reads sector identifier documents (OpenID Connect Dynamic Client Registration §5): the JSON
 * array of redirect URIs published at an app's sector_identifier_uri.
 */
export interface SectorIdentifierDocuments {
  /** The URIs the document lists; rejects with an Error whose message says what is wrong with it. */
  redirectUris(uri: string): Promise<string[]>;
}
