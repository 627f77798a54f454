// The text formats capture knows, in detection order: a log is given to the first whose detector
// accepts its first lines. qemu-log comes first because QEMU's ftrace backend puts its lines inside
// ftrace output. qemu-simpletrace is binary and recognised by its magic (see capture.ts).
import { FormatName, FormatSpec } from '../format';

export { FORMAT_CHOICES, FormatChoice } from '../format';
import { kvmFtrace } from './kvm-ftrace';
import { mmiotrace } from './mmiotrace';
import { perfScript } from './perf-script';
import { qemuLog } from './qemu-log';
import { traceCmd } from './trace-cmd';
import { xenalyze } from './xenalyze';

export const TEXT_FORMATS: readonly FormatSpec[] = [
  qemuLog,
  kvmFtrace,
  traceCmd,
  perfScript,
  mmiotrace,
  xenalyze,
];

export const SIMPLETRACE: FormatName = 'qemu-simpletrace';


export function textFormat(name: FormatName): FormatSpec | undefined {
  return TEXT_FORMATS.find((f) => f.format === name);
}

export function detectTextFormat(firstLines: string[]): FormatSpec | undefined {
  return TEXT_FORMATS.find((f) => f.detect(firstLines));
}
