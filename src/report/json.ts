// JSON / NDJSON renderers: DESIGN.md's result objects, unchanged.
import { ModelResult } from '../replay/engine';

export function renderJson(results: ModelResult[]): string {
  return JSON.stringify({ results }, null, 2) + '\n';
}

export function renderNdjson(results: ModelResult[]): string {
  return results.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
