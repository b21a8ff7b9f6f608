/**
 * Test harness: a real Temporal dev server with Phasegate's search attributes, workers on fresh
 * task queues sharing one workflow bundle, and status polling. The code is in
 * scripts/temporal-env.ts, which `record-histories` and the bench use as well.
 */
export * from '../../scripts/temporal-env';
