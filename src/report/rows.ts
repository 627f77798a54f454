// What every replay output format carries besides the engine's counts: which names the user asked
// for and which model answered with its release range, whether the trace was read only in part, and
// where the interval buckets stop covering the trace. Built once here, so table, JSON, NDJSON and CSV
// cannot disagree.
import { escapeControls } from '../util/escape';
import { ModelChoice } from '../replay/catalog';
import { Interval, ModelResult, TraceReplay } from '../replay/engine';

export interface Bucket extends Interval {
  /** How much of the bucket the trace covers: interval_ns except at its first and last event. */
  covered_ns: number;
  partial: boolean;
}

export interface ReportRow extends Omit<ModelResult, 'intervals'> {
  asked: string[];
  releases: string;
  /** Why these counts cover only part of the recording, or null. */
  partial: string | null;
  intervals?: { interval_ns: number; buckets: Bucket[] };
}

export function reportRows(rep: TraceReplay, choices: ModelChoice[]): ReportRow[] {
  return rep.results.map((r, i) => {
    const c = choices.find((x) => x.model === r.model) ?? choices[i];
    const { model, intervals, ...rest } = r;
    const row: ReportRow = { model, asked: c?.asked ?? [model], releases: c?.range ?? '', partial: rep.partial, ...rest };
    if (intervals) {
      const step = intervals.interval_ns;
      row.intervals = {
        interval_ns: step,
        buckets: intervals.buckets.map((b) => {
          const from = Math.max(b.start_ns, rep.first_ns);
          const to = Math.min(b.start_ns + step, rep.last_ns + 1);
          const covered = Math.max(0, to - from);
          return { ...b, covered_ns: covered, partial: covered < step };
        }),
      };
    }
    return row;
  });
}

/** The one-line stderr warning for a partial trace. */
export function partialWarning(trace: string, why: string): string {
  return `msixtrace: warning: ${escapeControls(trace)}: counts are partial: ${escapeControls(why)}\n`;
}
