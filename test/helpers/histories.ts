/** The workflow histories committed under test/histories/ (one folder per recording), for replay tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { HistoryAndWorkflowId } from '@temporalio/client';

/** Where `npm run record-histories` writes. */
export const HISTORIES_DIR = join(__dirname, '..', 'histories');

/** Every recorded history with its workflow id (the file name), in a stable order. */
export function loadRecordedHistories(): HistoryAndWorkflowId[] {
  return readdirSync(HISTORIES_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      workflowId: basename(f, '.json'),
      history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, f), 'utf8'))),
    }));
}
