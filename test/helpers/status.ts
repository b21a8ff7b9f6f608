/** Looking things up in a run status, failing the test with what was asked for when it is absent. */
import assert from 'node:assert/strict';
import type { GateStatus, RunStatus, StepStatus } from '../../workflows/status';

/** The task step `id` of status `s`. */
export function stepOf(s: RunStatus, id: string): StepStatus {
  const found = s.steps.find((x) => x.id === id);
  assert.ok(found, `step ${id} in status (steps: ${s.steps.map((x) => x.id).join(', ')})`);
  return found;
}

/** The gate `id` of status `s` (default: the gate called `gate`). */
export function gateOf(s: RunStatus, id = 'gate'): GateStatus {
  const found = s.gates.find((x) => x.id === id);
  assert.ok(found, `gate ${id} in status (gates: ${s.gates.map((x) => x.id).join(', ')})`);
  return found;
}
