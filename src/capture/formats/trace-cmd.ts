// kvm_mmio lines in `trace-cmd report` output, docs/log-formats.md 3.3:
//   "%16s-%-5d [%03d] [lat ]%6.1000d: kvm_mmio:             mmio write len 4 gpa 0x.. val 0x.."
// The context is ftrace's (timestamps in usec, or nsec with --ts-ns style options); the event name is
// padded to 20 columns, and loss shows as "CPU:%d [%lld EVENTS DROPPED]". The parser is ftrace's.

import { FormatSpec } from '../format';
import { FtraceStyleParser, tallyFtraceStyle } from './kvm-ftrace';

export const traceCmd: FormatSpec = {
  format: 'trace-cmd',
  detect(lines) {
    const t = tallyFtraceStyle(lines);
    return !t.tracerHeader && (t.traceCmdHeader || (t.traceCmdLines > 0 && t.traceCmdLines >= t.ftraceLines));
  },
  create: () => new FtraceStyleParser('trace-cmd'),
};
