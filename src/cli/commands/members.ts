import type { Command } from 'commander';
import { CliError } from '../context.js';
import { withManagement, type ManagementClient } from '../management-client.js';
import { formatTable, printJson } from '../output.js';
import { orgPath } from './orgs.js';

export interface MemberBody {
  userId: string;
  email: string;
  name: string;
  role: string;
  joinedAt: string;
}

interface InvitationBody {
  id: string;
  orgId: string;
  email: string;
  role: string;
  state: string;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  token?: string;
}

const roleHelp = 'owner, admin, developer or viewer';

export async function listMembers(client: ManagementClient, org: string): Promise<MemberBody[]> {
  return (await client.call<{ items: MemberBody[] }>('GET', `${orgPath(org)}/members`)).items;
}

/** A user id as given, or the id of the member with that email (the API's member paths take ids). */
export async function resolveMemberId(client: ManagementClient, org: string, user: string, flag: string): Promise<string> {
  if (!user.includes('@')) return user;
  const email = user.toLowerCase();
  const member = (await listMembers(client, org)).find((candidate) => candidate.email.toLowerCase() === email);
  if (!member) throw new CliError(`${flag}: no member of organization ${org} has the email ${user}`);
  return member.userId;
}

/**
 * The member named by user id or email. `set-role` checks membership first because the API's
 * PATCH adds a user who is not a member yet, which is `members add`'s job.
 */
async function findMember(client: ManagementClient, org: string, user: string): Promise<MemberBody> {
  const wanted = user.toLowerCase();
  const member = (await listMembers(client, org)).find((candidate) => candidate.userId === user || candidate.email.toLowerCase() === wanted);
  if (!member) throw new CliError(`<user>: ${user} is not a member of organization ${org}; add them with \`latchkey members add\``);
  return member;
}

function printMember(member: MemberBody, org: string): void {
  process.stdout.write(`${member.email} (${member.userId}) is ${member.role} of ${org}.\n`);
}

export function registerMembersCommand(program: Command): void {
  const members = program.command('members').description('members of an organization, their roles, and invitations');

  members
    .command('list')
    .description('list members and their roles')
    .option('--org <org>', 'organization id or name', 'default')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { org: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const result = await client.call<{ items: MemberBody[] }>('GET', `${orgPath(options.org)}/members`);
        if (options.json) return printJson(result);
        if (result.items.length === 0) {
          process.stdout.write(
            `No members in ${options.org} yet. Add one with \`latchkey members add --org ${options.org} --email alice@example.com --role admin\`.\n`,
          );
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['USER_ID', 'EMAIL', 'NAME', 'ROLE', 'JOINED'],
            result.items.map((member) => [member.userId, member.email, member.name, member.role, member.joinedAt]),
          )}\n`,
        );
      });
    });

  members
    .command('add')
    .description('add an existing user with a role (or change the role of a member)')
    .requiredOption('--email <email>', "the user's email address")
    .requiredOption('--role <role>', roleHelp)
    .option('--org <org>', 'organization id or name', 'default')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { email: string; role: string; org: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const member = await client.call<MemberBody>('POST', `${orgPath(options.org)}/members`, { body: { email: options.email, role: options.role } });
        if (options.json) return printJson(member);
        printMember(member, options.org);
      });
    });

  members
    .command('set-role <user>')
    .description("change a member's role (the member by user id or email)")
    .requiredOption('--role <role>', roleHelp)
    .option('--org <org>', 'organization id or name', 'default')
    .option('--json', 'print the API response as JSON')
    .action(async (user: string, options: { role: string; org: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const { userId } = await findMember(client, options.org, user);
        const member = await client.call<MemberBody>('PATCH', `${orgPath(options.org)}/members/${encodeURIComponent(userId)}`, {
          body: { role: options.role },
        });
        if (options.json) return printJson(member);
        printMember(member, options.org);
      });
    });

  members
    .command('remove <user>')
    .description('remove a member (by user id or email); the user account stays')
    .option('--org <org>', 'organization id or name', 'default')
    .option('--json', 'print {"removed": <userId>} as JSON')
    .action(async (user: string, options: { org: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const userId = await resolveMemberId(client, options.org, user, '<user>');
        await client.call('DELETE', `${orgPath(options.org)}/members/${encodeURIComponent(userId)}`);
        if (options.json) return printJson({ removed: userId });
        process.stdout.write(`Removed ${user} from ${options.org}.\n`);
      });
    });

  members
    .command('invite')
    .description('invite someone by email; prints a single-use token, valid 7 days, to send them')
    .requiredOption('--email <email>', 'whom to invite')
    .requiredOption('--role <role>', roleHelp)
    .option('--org <org>', 'organization id or name', 'default')
    .option('--json', 'print the API response as JSON (with the token)')
    .action(async (options: { email: string; role: string; org: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const invitation = await client.call<InvitationBody>('POST', `${orgPath(options.org)}/invitations`, {
          body: { email: options.email, role: options.role },
        });
        if (options.json) return printJson(invitation);
        process.stdout.write(
          [
            `invitation: ${invitation.id}`,
            `email:      ${invitation.email}`,
            `role:       ${invitation.role}`,
            `expires:    ${invitation.expiresAt}`,
            `token:      ${invitation.token ?? ''}`,
            '',
            `Send the token to ${invitation.email}: it is shown once and can't be retrieved again. They accept it with`,
            `\`latchkey members accept <token> --url <server> --token <their personal access token>\`.`,
          ].join('\n') + '\n',
        );
      });
    });

  members
    .command('invitations')
    .description('list invitations: pending, accepted and revoked')
    .option('--org <org>', 'organization id or name', 'default')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { org: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        const result = await client.call<{ items: InvitationBody[] }>('GET', `${orgPath(options.org)}/invitations`);
        if (options.json) return printJson(result);
        if (result.items.length === 0) {
          process.stdout.write(`No invitations in ${options.org}.\n`);
          return;
        }
        process.stdout.write(
          `${formatTable(
            ['ID', 'EMAIL', 'ROLE', 'STATE', 'EXPIRES'],
            result.items.map((invitation) => [invitation.id, invitation.email, invitation.role, invitation.state, invitation.expiresAt]),
          )}\n`,
        );
      });
    });

  members
    .command('revoke-invitation <invitationId>')
    .description('revoke a pending invitation')
    .option('--org <org>', 'organization id or name', 'default')
    .option('--json', 'print {"revoked": <invitationId>} as JSON')
    .action(async (invitationId: string, options: { org: string; json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        await client.call('DELETE', `${orgPath(options.org)}/invitations/${encodeURIComponent(invitationId)}`);
        if (options.json) return printJson({ revoked: invitationId });
        process.stdout.write(`Revoked invitation ${invitationId}.\n`);
      });
    });

  members
    .command('accept <token>')
    .description('accept an invitation sent to your email (as yourself: needs --url and --token)')
    .option('--json', 'print the API response as JSON')
    .action(async (token: string, options: { json?: boolean }, command: Command) => {
      await withManagement(command, async (client) => {
        let member: MemberBody;
        try {
          member = await client.call<MemberBody>('POST', '/invitations/accept', { body: { token } });
        } catch (error) {
          if (client.mode !== 'local') throw error;
          throw new CliError(
            `${(error as Error).message}\nRun it as the invitee: latchkey --url <server> --token <their personal access token> members accept <token>`,
          );
        }
        if (options.json) return printJson(member);
        process.stdout.write(`You (${member.email}) are now ${member.role} of the organization.\n`);
      });
    });
}
