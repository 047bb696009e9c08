export {
  checkRedirectUri,
  checkRedirectUris,
  isLoopbackHost,
  placeholderUris,
  redirectUrisTotalLimit,
  type RedirectUriCheck,
  type RedirectUriPolicy,
} from '../../contracts/redirect-uris.js';
