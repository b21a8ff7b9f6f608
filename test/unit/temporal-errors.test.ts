/**
 * Mapping of Temporal client errors to API statuses: a query or Update whose deadline passes
 * (no worker answered) is a 503 whether grpc-js reports it as DEADLINE_EXCEEDED or as CANCELLED.
 * The errors are built the way the client builds them (a ServiceError wrapping a gRPC error).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceError } from '@temporalio/client';
import { temporalToApiError } from '../../client/api/temporal-errors';

function grpcError(code: number, message: string): Error {
  return Object.assign(new Error(message), { code, details: message, metadata: {} });
}

describe('temporalToApiError', () => {
  for (const [code, text] of [
    [4, '4 DEADLINE_EXCEEDED: Deadline exceeded after 1.500s'],
    [1, '1 CANCELLED: Call cancelled'],
  ] as const) {
    it(`maps a query that ran out of time (gRPC ${code}) to 503 naming the worker`, () => {
      const err = new ServiceError('Failed to query Workflow', { cause: grpcError(code, text) });
      const mapped = temporalToApiError(err);
      assert.equal(mapped?.status, 503);
      assert.match(mapped?.message ?? '', /worker/);
    });
  }

  it('maps an unreachable Temporal (gRPC 14) to 503 and leaves unknown errors alone', () => {
    assert.equal(temporalToApiError(new ServiceError('x', { cause: grpcError(14, '14 UNAVAILABLE') }))?.status, 503);
    assert.equal(temporalToApiError(new Error('something else')), undefined);
  });
});
