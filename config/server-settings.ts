/**
 * Temporal server settings Phasegate runs best with, in one place for every server it starts or
 * configures: the dev server of `npm start` and of the benchmark, the PostgreSQL cluster
 * (`scripts/cluster/config.ts`) and the compose stack (`temporal-docker/dynamicconfig/`, kept in
 * step by hand: it is YAML read by the server).
 */

/**
 * Eager activity execution: when a workflow task schedules an activity on the worker's own task
 * queue, the server hands the activity to that worker in the reply to the task's completion,
 * instead of queueing it for the next poll. A decision's dependent step then starts one matching
 * hop earlier (measured: scheduled → started from 20 ms to 0 ms p50 on the shared bench machine,
 * bench/ANALYSIS.md). The SDK asks for it by default; the server needs this flag (off by default
 * in self-hosted Temporal 1.29).
 */
export const EAGER_ACTIVITIES_FLAG = 'system.enableActivityEagerExecution';

/** `temporal server start-dev` arguments for {@link EAGER_ACTIVITIES_FLAG}. */
export const DEV_SERVER_ARGS: readonly string[] = ['--dynamic-config-value', `${EAGER_ACTIVITIES_FLAG}=true`];
