/**
 * An organization's URL name from the name a person typed ("Acme Corp." becomes `acme-corp`): the
 * first-run setup makes it so, and the console proposes it while someone types. The server still
 * checks the result against its rule (1 to 63 lower-case letters, digits and hyphens).
 */
export function organizationSlug(displayName: string): string {
  return displayName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}
