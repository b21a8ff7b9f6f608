/** The worker's workflow entry point: every workflow type Phasegate registers. */
export { phaseWorkflow } from './phase/workflow';
export { programWorkflow } from './program';
