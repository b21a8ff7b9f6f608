/**
 * Search attributes Phasegate keeps current on every run so runs can be filtered in the Temporal UI
 * and listed by the API. They must be registered on the namespace (the start script and the test
 * environment do it; see `SEARCH_ATTRIBUTE_TYPES`).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Plan id of the run. */
export const PhasePlan = defineSearchAttributeKey('PhasePlan', SearchAttributeType.KEYWORD);
/** Run state (`running`, `awaiting-approval`, `held`, `rolling-back`, or an outcome). */
export const PhaseState = defineSearchAttributeKey('PhaseState', SearchAttributeType.KEYWORD);
/** True while at least one gate waits for decisions. */
export const AwaitingApproval = defineSearchAttributeKey('AwaitingApproval', SearchAttributeType.BOOL);
/** Agent names with an open `agent` task (claimable or claimed) in this run. */
export const PendingAgents = defineSearchAttributeKey('PendingAgents', SearchAttributeType.KEYWORD_LIST);
/**
 * The agent lease index (KEYWORD_LIST): `claimable:<agent>` for every agent with an unclaimed open
 * task in this run, and `lease:<leaseId>` for every current lease. One attribute (not two) because
 * SQL visibility stores have only three keyword-list columns per namespace.
 */
export const AgentIndex = defineSearchAttributeKey('AgentIndex', SearchAttributeType.KEYWORD_LIST);
/** True once any escalation fired in the run. */
export const Escalated = defineSearchAttributeKey('Escalated', SearchAttributeType.BOOL);
/** Run kind: `phase` or `program`. */
export const PhaseKind = defineSearchAttributeKey('PhaseKind', SearchAttributeType.KEYWORD);

/** Which definition a run runs: `bundled` (a plan file of the API) or `inline` (sent with the start). */
export const PhaseSource = defineSearchAttributeKey('PhaseSource', SearchAttributeType.KEYWORD);

/** SDK search attribute types (`KEYWORD_LIST`) as the `temporal` CLI spells them (`KeywordList`). */
export const CLI_SEARCH_ATTRIBUTE_TYPE: Readonly<Record<string, string>> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** Every key above, for registration (dev server flags, test environment). */
export const ALL_SEARCH_ATTRIBUTES = [
  PhasePlan,
  PhaseState,
  AwaitingApproval,
  PendingAgents,
  Escalated,
  PhaseKind,
  AgentIndex,
  PhaseSource,
];
