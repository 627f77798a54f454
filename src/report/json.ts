// JSON / NDJSON renderers: the result objects of src/report/rows.ts (the engine's counts plus the
// model asked for, its release range and the partial flag); control characters from inputs escaped.
import { jsonVisible } from '../util/escape';
import { ReportRow } from './rows';

export function renderJson(results: ReportRow[]): string {
  return jsonVisible(JSON.stringify({ results }, null, 2)) + '\n';
}

export function renderNdjson(results: ReportRow[]): string {
  return results.map((r) => jsonVisible(JSON.stringify(r))).join('\n') + '\n';
}
