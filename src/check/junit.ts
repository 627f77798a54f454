// JUnit XML for CI systems: one testsuite per trace, one testcase per model.
import { Difference } from './compare';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderJunit(traces: string[], models: string[], diffs: Difference[], problems: Map<string, string>,
  partial: Map<string, string> = new Map()): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = traces.length * models.length;
  const failures = new Set(diffs.map((d) => `${d.trace}\0${d.model}`));
  lines.push(`<testsuites name="msixtrace check" tests="${total}" failures="${failures.size + problems.size}">`);
  for (const t of traces) {
    const tf = models.filter((m) => failures.has(`${t}\0${m}`)).length + (problems.has(t) ? 1 : 0);
    lines.push(`  <testsuite name="${esc(t)}" tests="${models.length}" failures="${tf}">`);
    if (partial.has(t)) {
      lines.push(`    <properties><property name="partial" value="${esc(partial.get(t)!)}"/></properties>`);
    }
    if (problems.has(t)) {
      lines.push(`    <testcase classname="${esc(t)}" name="baseline"><failure message="${esc(problems.get(t)!)}"/></testcase>`);
    }
    for (const m of models) {
      const mine = diffs.filter((d) => d.trace === t && d.model === m);
      if (mine.length === 0) {
        lines.push(`    <testcase classname="${esc(t)}" name="${esc(m)}"/>`);
        continue;
      }
      const body = mine.map((d) => `${d.field} ${d.direction}: expected ${d.expected ?? 'none'}, got ${d.got ?? 'none'}`).join('\n');
      lines.push(`    <testcase classname="${esc(t)}" name="${esc(m)}">`);
      lines.push(`      <failure message="${mine.length} count(s) differ from the baseline">${esc(body)}</failure>`);
      lines.push('    </testcase>');
    }
    if (partial.has(t)) lines.push(`    <system-err>${esc(`PARTIAL: ${partial.get(t)!}`)}</system-err>`);
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
