// JSON / NDJSON renderers: the result objects of src/report/rows.ts (the engine's counts plus the
// model asked for, its release range and the partial flag).
import { ReportRow } from './rows';

export function renderJson(results: ReportRow[]): string {
  return JSON.stringify({ results }, null, 2) + '\n';
}

export function renderNdjson(results: ReportRow[]): string {
  return results.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
