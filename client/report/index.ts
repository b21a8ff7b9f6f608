/**
 * The completion report of a run (SPEC §5 `GET /api/runs/:runId/report`): built from the run's
 * status alone, rendered as markdown or JSON, ending with a receipt that anyone can check against
 * Temporal. The API route, `phase report` and the MCP `get_report` tool all use this module.
 */
export { canonicalJson, canonicalSha256 } from './canonical';
export { buildReport, type ReportInput } from './build';
export { loadReport, readRunRecord } from './load';
export { renderReportMarkdown } from './markdown';
export { ReportSchema, ReceiptSchema, type Report, type Receipt } from './schema';
export { compareReports, parseReceipt, type SavedReceipt, type Verdict } from './verify';
