/**
 * The phase run's message handlers, thin on purpose (as in samples-typescript's
 * safe-message-handlers): each validates, then calls into the operation that owns the change.
 * Update validators reject before anything touches history; handlers validate again, because
 * another Update may have been applied since.
 */
import { setHandler } from '@temporalio/workflow';
import { pickNext, requireDeclaredMetrics, validateAgentReport, validateClaim, type OpenTask } from '../agent-lease';
import { reject, type OpenAttempt } from '../agent-task';
import { errorMessage } from '../failures';
import { validateDecision } from '../gates';
import {
  actSignal,
  actUpdate,
  agentHeartbeatUpdate,
  claimNextUpdate,
  claimUpdate,
  completeUpdate,
  decideSignal,
  decideUpdate,
  failUpdate,
  statusPageQuery,
  statusQuery,
  type Decision,
} from '../messages';
import type { GateStatus, StepStatus } from '../status';
import { statusPage } from '../status-page';
import { applyClaim, applyCompletion, applyFailure, applyHeartbeat, claimResult } from './agent-attempts';
import { applyVote } from './gate-run';
import { applyAction, validateAct } from './holds';
import { decisionContext } from './people';
import type { PhaseRun } from './run';
import { signatureProblem } from './signed-signals';

/** A decision sent by signal: counted now, queued until its gate awaits, or logged as invalid. */
function onDecideSignal(run: PhaseRun, d: Decision): void {
  const gate = run.gates.get(d?.gate);
  const early = gate && (gate.state === 'pending' || gate.state === 'checking');
  const problem = validateDecision(d, gate, Boolean(early), decisionContext(run, gate));
  if (problem) {
    run.event('invalid-signal', `decision ignored: ${problem.message}`, d?.gate);
    run.publish();
    return;
  }
  if (!early) {
    applyVote(run, gate as GateStatus, d, 'signal');
    return;
  }
  const queue = run.earlyVotes.get(d.gate) ?? [];
  if (queue.some((v) => v.approver === d.approver)) {
    run.event(
      'invalid-signal',
      `decision ignored: "${d.approver}" already has an early decision queued on "${d.gate}"`,
      d.gate,
    );
  } else {
    queue.push(d);
    run.earlyVotes.set(d.gate, queue);
    run.event(
      'early-decision',
      `${d.decision} by ${d.approver} queued until gate "${d.gate}" awaits decisions`,
      d.gate,
    );
  }
  run.publish();
}

/** A decision sent by signal to a run that needs signed ones: counted only with a valid signature. */
async function onSignedDecideSignal(run: PhaseRun, d: Decision): Promise<void> {
  const problem = await signatureProblem(run, d);
  if (problem) {
    run.event('invalid-signal', `decision ignored: ${problem}`, typeof d?.gate === 'string' ? d.gate : undefined);
    run.publish();
    return;
  }
  onDecideSignal(run, d);
}

function registerDecisions(run: PhaseRun): void {
  const validate = (d: Decision) => {
    const gate = run.gates.get(d?.gate);
    const problem = validateDecision(d, gate, false, decisionContext(run, gate));
    if (problem) throw reject(problem.type, problem.message);
  };
  setHandler(
    decideUpdate,
    (d) => {
      validate(d);
      return applyVote(run, run.gates.get(d.gate) as GateStatus, d, 'update');
    },
    { validator: validate },
  );
  // Without signed signals the handler stays synchronous: an extra await would move the vote's
  // commands to a later microtask and change the order of commands in recorded histories.
  setHandler(decideSignal, (d) => (run.signedSignals ? onSignedDecideSignal(run, d) : onDecideSignal(run, d)));
}

function registerOperatorActions(run: PhaseRun): void {
  setHandler(
    actUpdate,
    (a) => {
      const t = validateAct(run, a);
      applyAction(run, t, a);
      return t;
    },
    { validator: (a) => void validateAct(run, a) },
  );
  setHandler(actSignal, (a) => {
    // A Signal names no caller: on a run started with tokens, retry/skip/abort go through the API
    // (an operator token), never through whoever can reach Temporal.
    if (run.signedSignals) {
      run.event(
        'invalid-signal',
        'action ignored: operator actions on this run need the API (an operator token), not a signal',
        typeof a?.step === 'string' ? a.step : undefined,
      );
      run.publish();
      return;
    }
    try {
      applyAction(run, validateAct(run, a), a);
    } catch (err) {
      run.event('invalid-signal', `action ignored: ${errorMessage(err)}`, a?.step);
      run.publish();
    }
  });
}

function registerAgentClaims(run: PhaseRun): void {
  const open = (step: string) => run.openAttempts.get(step);
  const openTasks = (): OpenTask[] =>
    [...run.openAttempts].flatMap(([id, o]) =>
      run.tasks.has(id) ? [{ step: run.tasks.get(id) as StepStatus, open: o }] : [],
    );
  setHandler(
    claimUpdate,
    (req) => {
      const o = open(req.step);
      const t = run.tasks.get(req.step);
      if (validateClaim(t, o, req) === 'new' && o && t) applyClaim(run, t, o, req);
      return claimResult(run, t as StepStatus, o as OpenAttempt);
    },
    { validator: (req) => void validateClaim(run.tasks.get(req?.step), open(req?.step), req) },
  );
  setHandler(
    claimNextUpdate,
    (req) => {
      const { task, verdict } = pickNext(openTasks(), req);
      if (verdict === 'new') applyClaim(run, task.step, task.open, req);
      return claimResult(run, task.step, task.open);
    },
    { validator: (req) => void pickNext(openTasks(), req) },
  );
}

function registerAgentReports(run: PhaseRun): void {
  const task = (step: string) => run.tasks.get(step) as StepStatus;
  const open = (step: string) => run.openAttempts.get(step);
  setHandler(
    agentHeartbeatUpdate,
    (hb) => {
      const o = open(hb.step);
      validateAgentReport(task(hb.step), o, hb, 'heartbeat');
      if (o) applyHeartbeat(task(hb.step), o, hb);
      return task(hb.step);
    },
    { validator: (hb) => void validateAgentReport(run.tasks.get(hb?.step), open(hb?.step), hb, 'heartbeat') },
  );
  setHandler(
    completeUpdate,
    (c) => {
      const o = open(c.step);
      if (validateAgentReport(task(c.step), o, c, 'complete') === 'open' && o) applyCompletion(run, o, c);
      return task(c.step);
    },
    {
      validator: (c) => {
        if (validateAgentReport(run.tasks.get(c?.step), open(c?.step), c, 'complete') === 'open')
          requireDeclaredMetrics(open(c.step), c);
      },
    },
  );
  setHandler(
    failUpdate,
    (f) => {
      const o = open(f.step);
      validateAgentReport(task(f.step), o, f, 'fail');
      if (o) applyFailure(run, o, f);
      return task(f.step);
    },
    { validator: (f) => void validateAgentReport(run.tasks.get(f?.step), open(f?.step), f, 'fail') },
  );
}

/** Registers every query, Update and Signal handler of a phase run. */
export function registerHandlers(run: PhaseRun): void {
  setHandler(statusQuery, () => run.status);
  setHandler(statusPageQuery, (request) => statusPage(run.status, request));
  registerDecisions(run);
  registerOperatorActions(run);
  registerAgentClaims(run);
  registerAgentReports(run);
}
