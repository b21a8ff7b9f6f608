/**
 * Approver groups (SPEC §4): a gate's `approvers` may name `group:<name>`. Members come from
 * `PHASEGATE_GROUPS` (`release=alice,bob;qa=carol`) and from the `groups` of the configured tokens.
 *
 * Groups are resolved when a run starts, into its workflow input (`groups`: each group the plan
 * names → its members then), so the workflow decides membership deterministically, the status
 * shows each gate's groups as people, and every way of voting (API, Signal, link, MCP) sees the
 * same members. A membership change applies to runs started after it (a schedule's runs: after
 * `phase schedule apply`, which sees the changed input).
 */
import { z } from 'zod';
import { listSetting, specEntries } from '../config/env';
import type { Plan } from '../workflows/plan/schema';
import { GROUP_PREFIX } from '../workflows/plan/groups';

/** Group names: as ids, lowercase letters, digits, dashes and underscores. */
export const GroupNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,99}$/, { message: 'group names use lowercase letters, digits, - and _ (at most 100)' });

/** Group name → members. */
export type GroupMembers = Record<string, string[]>;

/**
 * Parses `PHASEGATE_GROUPS`: `release=alice,bob;qa=carol` (a group listed twice merges). Throws an
 * Error naming the bad entry.
 */
export function parseGroupSpec(spec: string, source = 'PHASEGATE_GROUPS'): GroupMembers {
  const out: GroupMembers = {};
  for (const { entry, where } of specEntries(spec, source)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`${where}: expected group=member1,member2`);
    const name = entry.slice(0, eq).trim();
    if (!GroupNameSchema.safeParse(name).success)
      throw new Error(`${where}: "${name.slice(0, 40)}" is not a group name (lowercase letters, digits, - and _)`);
    const members = listSetting(entry.slice(eq + 1));
    if (members.some((m) => m.length > 200)) throw new Error(`${where}: a member name is longer than 200 characters`);
    out[name] = [...new Set([...(out[name] ?? []), ...members])];
  }
  return out;
}

/** Every group the plan's gates name (a program: its inline and resolved phases too). */
export function groupsNamedBy(plan: Plan | { kind?: string; phases?: unknown[]; steps?: unknown[] }): string[] {
  const names = new Set<string>();
  const visit = (p: unknown) => {
    if (typeof p !== 'object' || p === null) return;
    const steps = (p as { steps?: { gate?: { approval?: { approvers?: string[] } } }[] }).steps ?? [];
    for (const s of steps)
      for (const a of s.gate?.approval?.approvers ?? [])
        if (a.startsWith(GROUP_PREFIX)) names.add(a.slice(GROUP_PREFIX.length));
    for (const phase of (p as { phases?: unknown[] }).phases ?? []) visit(phase);
  };
  visit(plan);
  return [...names].sort();
}

/** The members of each group, from the environment's groups and the tokens' groups. */
export class GroupDirectory {
  private readonly members = new Map<string, Set<string>>();

  constructor(
    fromEnv: GroupMembers = {},
    tokenGroups: readonly { identity: string; groups: readonly string[] }[] = [],
  ) {
    for (const [g, list] of Object.entries(fromEnv)) for (const m of list) this.add(g, m);
    for (const t of tokenGroups) for (const g of t.groups) this.add(g, t.identity);
  }

  private add(group: string, member: string): void {
    let set = this.members.get(group);
    if (!set) this.members.set(group, (set = new Set()));
    set.add(member);
  }

  /** Members of `group` (sorted; empty for an unknown group). */
  membersOf(group: string): string[] {
    return [...(this.members.get(group) ?? [])].sort();
  }

  /** The groups `identity` belongs to. */
  groupsOf(identity: string): string[] {
    return [...this.members.entries()]
      .filter(([, set]) => set.has(identity))
      .map(([g]) => g)
      .sort();
  }

  /** The snapshot a run carries: each group the plan names → its members now (unknown groups are empty). */
  resolveFor(plan: Parameters<typeof groupsNamedBy>[0]): GroupMembers {
    return Object.fromEntries(groupsNamedBy(plan).map((g) => [g, this.membersOf(g)]));
  }
}
