export {
  checkRedirectUri,
  checkRedirectUris,
  isLoopbackHost,
  placeholderUris,
  redirectUrisLength,
  redirectUrisTotalLimit,
  type RedirectUriCheck,
  type RedirectUriPolicy,
} from '../../contracts/redirect-uris.js';
