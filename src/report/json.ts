// JSON / NDJSON renderers: DESIGN.md's result objects, unchanged.
import { ModelResult } from '../replay/engine';
import { jsonVisible } from '../util/escape';

export function renderJson(results: ModelResult[]): string {
  return jsonVisible(JSON.stringify({ results }, null, 2)) + '\n';
}

export function renderNdjson(results: ModelResult[]): string {
  return results.map((r) => jsonVisible(JSON.stringify(r))).join('\n') + '\n';
}
