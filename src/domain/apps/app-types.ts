export { appTypeRules, appTypes, clientKindOf, type AppTypeRules, type ClientKind } from '../../contracts/app-types.js';
