/** The role table of docs/permissions.md: the server enforces it, the console shows what a role may do from the same table. */
export { roleAllows, roleDescriptions, type Permission } from '@contracts/permissions';
