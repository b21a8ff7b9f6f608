/**
 * Approver groups in plans (SPEC §4): an approver written `group:<name>` stands for every member of
 * that group. Pure and deterministic (the workflow decides votes with it): members are whatever
 * the run was started with (its input `groups`), never looked up while it runs.
 */

/** How an approver names a group. */
export const GROUP_PREFIX = 'group:';

/** Group names after the prefix. */
export const GROUP_NAME = /^[a-z0-9][a-z0-9_-]{0,99}$/;

/** The group an approver entry names, or undefined for a person. */
export function groupOf(approver: string): string | undefined {
  return approver.startsWith(GROUP_PREFIX) ? approver.slice(GROUP_PREFIX.length) : undefined;
}

/** Each group the approvers name → its members in `groups` (unknown groups have none). */
export function approverGroups(
  approvers: readonly string[],
  groups: Readonly<Record<string, readonly string[]>> | undefined,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of approvers) {
    const g = groupOf(a);
    if (g !== undefined) out[g] = [...(groups && Object.hasOwn(groups, g) ? (groups[g] ?? []) : [])];
  }
  return out;
}

/** Everyone who may vote: the people listed plus the members of the groups listed, each once, sorted. */
export function eligibleVoters(
  approvers: readonly string[],
  groups: Readonly<Record<string, readonly string[]>> | undefined,
): string[] {
  const people = new Set(approvers.filter((a) => groupOf(a) === undefined));
  for (const members of Object.values(approverGroups(approvers, groups))) for (const m of members) people.add(m);
  return [...people].sort();
}

/** A gate whose quorum its voters cannot reach, by path (`steps[3].gate.approval.quorum`). */
export interface QuorumProblem {
  path: string;
  message: string;
}

/**
 * Gates naming groups whose quorum is larger than the voters they resolve to (the plan check
 * cannot know group sizes, so this runs when a run starts): such a gate could never pass.
 */
export function unreachableQuorums(
  steps: readonly {
    id: string;
    gate?: { approval?: { approvers: string[]; quorum?: number | undefined } | undefined } | undefined;
  }[],
  groups: Readonly<Record<string, readonly string[]>> | undefined,
): QuorumProblem[] {
  const out: QuorumProblem[] = [];
  steps.forEach((s, i) => {
    const approval = s.gate?.approval;
    if (!approval || !approval.approvers.some((a) => groupOf(a) !== undefined)) return;
    const voters = eligibleVoters(approval.approvers, groups);
    if ((approval.quorum ?? 1) > voters.length) {
      out.push({
        path: `steps[${i}].gate.approval.quorum`,
        message: `quorum ${approval.quorum ?? 1} of gate "${s.id}" is larger than its ${voters.length} voter(s) (${voters.join(', ') || 'its groups have no members'})`,
      });
    }
  });
  return out;
}
