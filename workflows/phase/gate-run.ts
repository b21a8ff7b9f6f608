/**
 * Running a gate: evaluate its checks on upstream metrics, then close it at once (go, or no-go on
 * failed checks) or wait for decisions until quorum, a no-go or the approval timeout. The rules
 * themselves (check evaluation, decision validation, tally) are pure, in `../gates.ts`.
 */
import { condition } from '@temporalio/workflow';
import { evaluateChecks, tally, validateDecision } from '../gates';
import { nowIso } from '../lifecycle';
import type { Decision } from '../messages';
import { parseDuration } from '../plan/duration';
import type { Step } from '../plan/schema';
import type { GateStatus } from '../status';
import { enter } from './escalation';
import { emit, notifiedGate } from './notifications';
import { decisionContext } from './people';
import type { PhaseRun } from './run';

type GateDef = NonNullable<Step['gate']>;

/** Closes gate `g` as `state`, decided `by` checks, votes, timeout or automatically. */
export function closeGate(run: PhaseRun, g: GateStatus, state: 'go' | 'no-go', by: string): void {
  enter(run, g.id, null);
  g.state = state;
  g.decidedBy = by;
  g.endedAt = nowIso();
  run.event(state, `gate ${state} (${by})`, g.id);
  // People decided (or their time ran out): tell them how it ended.
  if (by === 'votes' || by === 'timeout')
    emit(run, 'approval-decided', {
      step: g.id,
      message: `gate ${g.id}: ${state} (${by})`,
      gate: notifiedGate(run, g),
    });
}

/** Counts a validated decision; closes the gate when the tally says go or no-go. Returns the gate. */
export function applyVote(run: PhaseRun, gate: GateStatus, d: Decision, via: 'update' | 'signal'): GateStatus {
  // An Update may say it came through an approval link or MCP; a signal's claim is not taken.
  const how = via === 'update' && (d.via === 'link' || d.via === 'mcp') ? d.via : via;
  const nonce = how === 'link' && typeof d.linkNonce === 'string' ? { linkNonce: d.linkNonce } : {};
  gate.votes.push({
    approver: d.approver,
    decision: d.decision,
    ...(d.comment ? { comment: d.comment } : {}),
    at: nowIso(),
    via: how,
    ...nonce,
  });
  run.event('decision', `${d.decision} by ${d.approver}${d.comment ? `: ${d.comment}` : ''}`, gate.id);
  const next = tally(gate);
  if (next !== 'awaiting-approval') closeGate(run, gate, next, 'votes');
  run.publish();
  return gate;
}

/** Early signal decisions count once the gate awaits, unless its checks failed (then voters must see them). */
function applyEarlyVotes(run: PhaseRun, g: GateStatus, checksFailed: boolean): void {
  const queue = run.earlyVotes.get(g.id) ?? [];
  run.earlyVotes.delete(g.id);
  for (const d of queue) {
    if (checksFailed) {
      run.event(
        'early-decision-discarded',
        `${d.decision} by ${d.approver} discarded: checks failed, decide again seeing them`,
        g.id,
      );
      continue;
    }
    if (g.state !== 'awaiting-approval') break;
    const problem = validateDecision(d, g, false, decisionContext(run, g));
    if (problem) run.event('invalid-signal', `early decision ignored: ${problem.message}`, g.id);
    else applyVote(run, g, d, 'signal');
  }
}

/** Runs gate `g` to go or no-go; a no-go stops the run as `rejected`. */
export async function runGate(run: PhaseRun, g: GateStatus): Promise<void> {
  const def = (run.defs.get(g.id) as Step).gate as GateDef;
  g.startedAt = nowIso();
  g.state = 'checking';
  g.checks = evaluateChecks(def.checks ?? [], (id) => run.tasks.get(id)?.metrics);
  const failed = g.checks.filter((c) => !c.passed);
  run.event(
    'checks',
    g.checks.length ? `${g.checks.length - failed.length}/${g.checks.length} checks passed` : 'no checks',
    g.id,
  );
  if (failed.length > 0 && (def.onCheckFailure ?? 'no-go') === 'no-go') {
    closeGate(run, g, 'no-go', 'checks');
    run.fail(
      'rejected',
      `gate "${g.id}": checks failed: ${failed.map((c) => `${c.metric} ${c.op} ${c.value} (actual ${c.actual ?? 'missing'})`).join(', ')}`,
    );
    run.publish();
    return;
  }
  if (!def.approval && failed.length === 0) {
    closeGate(run, g, 'go', 'automatic');
    run.publish();
    return;
  }
  // Waiting for people: with failed checks under `ask`, or with an approval block.
  // (The wait stays in this function: an extra async layer would shift command order on replay.)
  const decided = await beginAwaiting(run, g, def, failed.length);
  if (!decided) timeOut(run, g, def);
  if ((g.state as GateStatus['state']) === 'no-go') {
    const who = g.votes.filter((v) => v.decision === 'no-go').map((v) => v.approver);
    run.fail('rejected', `gate "${g.id}": no-go${who.length ? ` by ${who.join(', ')}` : ''}`);
  }
  run.publish();
}

/**
 * Puts gate `g` in `awaiting-approval`, applies early decisions and arms the escalation; returns
 * the wait: true once votes closed the gate, false when the approval timeout passed first.
 */
function beginAwaiting(run: PhaseRun, g: GateStatus, def: GateDef, failedChecks: number): Promise<boolean> {
  g.state = 'awaiting-approval';
  const timeout = def.approval?.timeout;
  g.deadline = timeout ? new Date(Date.now() + parseDuration(timeout)).toISOString() : null;
  run.event(
    'awaiting-approval',
    failedChecks ? `${failedChecks} check(s) failed: approvers decide` : 'awaiting decisions',
    g.id,
  );
  applyEarlyVotes(run, g, failedChecks > 0);
  enter(run, g.id, 'awaiting-approval');
  run.publish();
  if (g.state === 'awaiting-approval') {
    const why = failedChecks ? `${failedChecks} check(s) failed: decide seeing them` : 'awaiting decisions';
    emit(run, 'approval-requested', { step: g.id, message: `gate ${g.id}: ${why}`, gate: notifiedGate(run, g) });
  }
  return timeout
    ? condition(() => g.state !== 'awaiting-approval', parseDuration(timeout), {
        summary: `approval timeout of ${g.id}: ${def.approval?.onTimeout ?? 'no-go'}`,
      })
    : condition(() => g.state !== 'awaiting-approval').then(() => true);
}

/** The approval timeout passed: the gate closes as its `onTimeout` says, recorded as a `timeout` vote. */
function timeOut(run: PhaseRun, g: GateStatus, def: GateDef): void {
  const timeout = def.approval?.timeout;
  const onTimeout = def.approval?.onTimeout ?? 'no-go';
  g.votes.push({
    approver: 'timeout',
    decision: onTimeout,
    comment: `no decision within ${timeout}`,
    at: nowIso(),
    via: 'timeout',
  });
  closeGate(run, g, onTimeout, 'timeout');
  run.event('timeout', `approval timed out after ${timeout}: ${onTimeout}`, g.id);
}
