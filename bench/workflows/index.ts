/**
 * Workflow entry of the benchmark worker: Phasegate's own workflows plus the hand-written
 * baseline, so A (engine) and B (baseline) run on the same worker with the same settings.
 */
export { phaseWorkflow, programWorkflow } from '../../workflows';
export { baselineDagWorkflow, baselineParkedWorkflow } from './baseline';
