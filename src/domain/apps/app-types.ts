export { appTypeRules, appTypes, clientKindOf, m2mNeedsApiGrants, type AppTypeRules, type ClientKind } from '../../contracts/app-types.js';
