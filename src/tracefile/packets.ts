// The kinds of packet a trace file is made of (proto/msixtrace.proto, the Trace message's oneof):
// one header, event batches, one footer. A module of its own so that reading a trace does not load
// the writer (and with it the atomic output file, its temp-name crypto and the native encoder).
export const PACKET_HEADER = 1;
export const PACKET_EVENTS = 2;
export const PACKET_FOOTER = 3;
