#!/usr/bin/env python3
"""Read a .msixtrace file with protoc-generated classes, one packet at a time.

    python3 examples/read_trace.py TRACE.msixtrace              # per-field read/write totals (text)
    python3 examples/read_trace.py TRACE.msixtrace --format json
    python3 examples/read_trace.py TRACE.msixtrace --events     # every event as NDJSON, like `msixtrace dump`
    python3 examples/read_trace.py - < TRACE.msixtrace          # from stdin

Needs the protobuf runtime (Debian: python3-protobuf) and msixtrace_pb2, the module protoc makes from
proto/msixtrace.proto. It is taken from beside this script when present and not older than the .proto;
otherwise it is generated with `protoc --python_out` (Debian: protobuf-compiler) into a temporary
directory that is removed on exit. See examples/README.md.

The whole file is one `Trace` message (`repeated Packet packet = 1`), so each packet is framed as
the tag of field 1 (wire type 2), a length varint and the Packet bytes. This script reads that framing
itself and parses one Packet at a time with msixtrace_pb2.Packet, so memory holds at most one packet
(one EventBatch of at most 65536 events) whatever the file's size.

The per-field rule is the one `msixtrace replay` uses: a PBA access is `pba`; a table access is named
by its offset modulo 16: 0 addr_lo, 4 addr_hi, 8 data, 12 vector_ctrl, anything else `other`.
Exit codes: 0 ok, 1 damaged/unsupported trace, 2 usage or setup error (no protobuf, no protoc).
"""

import argparse
import atexit
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO = os.path.join(HERE, '..', 'proto', 'msixtrace.proto')
READS_FORMAT_VERSION = 1  # the Header.format_version this reader understands

FIELDS = ('addr_lo', 'addr_hi', 'data', 'vector_ctrl', 'pba', 'other')
FIELD_OF_OFFSET = {0: 'addr_lo', 4: 'addr_hi', 8: 'data', 12: 'vector_ctrl'}


class TraceError(Exception):
    """The trace is damaged or not readable by this script (exit 1)."""


def die(code, msg):
    sys.stderr.write('read_trace.py: %s\n' % msg)
    sys.exit(code)


# --- finding msixtrace_pb2 ------------------------------------------------------------------------

def load_pb2(proto_path):
    """Imports msixtrace_pb2: from beside this script if it is there and up to date, else generated
    from proto_path with protoc into a temporary directory."""
    try:
        importlib.import_module('google.protobuf')
    except ImportError:
        die(2, 'the protobuf runtime is missing: apt-get install python3-protobuf (or pip install protobuf)')
    beside = os.path.join(HERE, 'msixtrace_pb2.py')
    proto_exists = os.path.isfile(proto_path)
    if os.path.isfile(beside) and (not proto_exists or os.path.getmtime(beside) >= os.path.getmtime(proto_path)):
        where = HERE
    else:
        if not proto_exists:
            die(2, 'no msixtrace_pb2.py beside this script and no %s to generate it from (use --proto)' % proto_path)
        protoc = shutil.which('protoc')
        if not protoc:
            die(2, 'msixtrace_pb2.py is missing or older than %s and protoc is not installed: '
                   'apt-get install protobuf-compiler' % proto_path)
        where = tempfile.mkdtemp(prefix='msixtrace-pb2-')
        atexit.register(shutil.rmtree, where, True)
        proto_dir, proto_name = os.path.split(os.path.abspath(proto_path))
        r = subprocess.run([protoc, '-I', proto_dir, '--python_out=' + where, os.path.join(proto_dir, proto_name)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        if r.returncode != 0:
            die(2, 'protoc failed on %s: %s' % (proto_path, r.stderr.strip()))
        module = os.path.splitext(proto_name)[0] + '_pb2'
        if module != 'msixtrace_pb2':
            die(2, 'expected a proto named msixtrace.proto, got %s' % proto_name)
    sys.path.insert(0, where)
    try:
        return importlib.import_module('msixtrace_pb2')
    finally:
        sys.path.remove(where)


# --- wire framing ---------------------------------------------------------------------------------

def read_varint(stream):
    """A varint from a binary stream; None at a clean end of the stream."""
    shift = 0
    value = 0
    while True:
        b = stream.read(1)
        if not b:
            if shift == 0:
                return None
            raise TraceError('file ends inside a varint')
        value |= (b[0] & 0x7F) << shift
        if b[0] < 0x80:
            return value
        shift += 7
        if shift > 63:
            raise TraceError('varint longer than 10 bytes')


def varint_at(buf, pos):
    shift = 0
    value = 0
    while True:
        if pos >= len(buf):
            raise TraceError('message ends inside a varint')
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def fields_of(buf):
    """Walks the top-level fields of one message: yields (field, wire_type, tag_start, value_start, end)."""
    pos = 0
    while pos < len(buf):
        tag_start = pos
        tag, pos = varint_at(buf, pos)
        field, wire = tag >> 3, tag & 7
        start = pos
        if wire == 0:
            _, pos = varint_at(buf, pos)
        elif wire == 1:
            pos += 8
        elif wire == 2:
            n, start = varint_at(buf, pos)
            pos = start + n
        elif wire == 5:
            pos += 4
        else:
            raise TraceError('unsupported wire type %d' % wire)
        if pos > len(buf):
            raise TraceError('field %d runs past the end of its message' % field)
        yield field, wire, tag_start, start, pos


def packets(stream):
    """Yields (byte_offset, packet_bytes) for each Packet of the outer Trace message, reading only the
    bytes of one packet at a time."""
    at = 0
    while True:
        start = at
        tag = read_varint(stream)
        if tag is None:
            return
        at += len(encode_varint(tag))
        length = read_varint(stream)
        if length is None:
            raise TraceError('byte %d: file ends after a packet tag' % start)
        at += len(encode_varint(length))
        if tag != (1 << 3 | 2):
            raise TraceError('byte %d: expected Trace.packet (field 1, length-delimited), got tag %d' % (start, tag))
        data = stream.read(length)
        if len(data) != length:
            raise TraceError('byte %d: file ends inside a packet (%d of %d bytes)' % (start, len(data), length))
        at += length
        yield start, data


def encode_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


# --- EventBatch columns ---------------------------------------------------------------------------

def check_crc(packet_bytes, at):
    """Checks EventBatch.crc32: the CRC-32 of the batch's bytes before that field (written last)."""
    for field, wire, _, start, end in fields_of(packet_bytes):
        if field == 2 and wire == 2:
            batch = packet_bytes[start:end]
            for f, w, tag_start, vstart, _ in fields_of(batch):
                if f == 31 and w == 5:
                    got = int.from_bytes(batch[vstart:vstart + 4], 'little')
                    if got != zlib.crc32(batch[:tag_start]):
                        raise TraceError('byte %d: event batch checksum mismatch (corrupt data)' % at)
                    return
            raise TraceError('byte %d: event batch has no checksum' % at)


def unzigzag(z):
    return z >> 1 if z % 2 == 0 else -((z + 1) >> 1)


def decode_batch(b, at):
    """The events of one EventBatch, decoded per the comments of proto/msixtrace.proto, as a list of
    (ts_ns, guest, vcpu, device, region, offset, size, write, value).

    A batch is a dictionary of `keys` distinct (guest, vcpu, device, access, offset, value) entries
    plus, per event, a timestamp code and a key into that dictionary. Repeated fields are either
    empty or hold exactly `count` (per event) or `keys` (per entry) values; an empty dictionary column
    means every entry has the matching *_all value (0 when absent)."""
    n, d = b.count, b.keys
    if n > 65536:
        raise TraceError('byte %d: event batch count %d out of range' % (at, n))
    if (n > 0 and not 1 <= d <= n) or (n == 0 and d != 0):
        raise TraceError('byte %d: event batch has %d keys for %d events%s' % (
            at, d, n, ' (an older column layout? regenerate the trace)' if d == 0 else ''))

    def column(name, values, length, absent):
        values = list(values)
        if not values:
            return [absent] * length
        if len(values) != length:
            raise TraceError('byte %d: column %s holds %d values, expected %d' % (at, name, len(values), length))
        return values

    # The dictionary: guest is delta coded from entry to entry, value XORed with the nearest previous
    # entry at the same (device, PBA bit, offset).
    if b.key_guest:
        k_guest, g = [], 0
        for delta in column('key_guest', b.key_guest, d, 0):
            g += delta
            k_guest.append(g)
    else:
        k_guest = [b.guest_all] * d
    k_vcpu = column('key_vcpu', b.key_vcpu, d, b.vcpu_all)
    k_device = column('key_device', b.key_device, d, b.device_all)
    k_access = column('key_access', b.key_access, d, b.access_all)
    k_offset = column('key_offset', b.key_offset, d, b.offset_all)
    k_xor = column('key_value', b.key_value, d, 0)
    entries = []
    last = {}
    for j in range(d):
        a = k_access[j]
        if a > 15:
            raise TraceError('byte %d: access code %d out of range' % (at, a))
        slot = (k_device[j], a & 2, k_offset[j])
        value = k_xor[j] ^ last.get(slot, 0)
        last[slot] = value
        entries.append((k_guest[j], k_vcpu[j], k_device[j], (a >> 1) & 1, k_offset[j], 1 << ((a >> 2) & 3), a & 1, value))

    # Timestamps: a step q per event from its code (zigzag, optionally in ts_coarse multiples), in ts_unit ns.
    unit, coarse = b.ts_unit or 1, b.ts_coarse
    ts, t = [], 0
    for c in column('ts_code', b.ts_code, n, None):
        if c is None:
            ts.append(0)
            continue
        if coarse == 0:
            q = unzigzag(c)
        elif c % 2 == 0:
            q = unzigzag(c // 2) * coarse
        else:
            q = unzigzag((c - 1) // 2)
        t += q * unit
        ts.append(t)

    events = []
    for i, k in enumerate(column('key', b.key, n, 0)):
        if k >= d:
            raise TraceError('byte %d: key %d out of range (%d keys)' % (at, k, d))
        events.append((ts[i],) + entries[k])
    return events


def field_of(region, offset):
    if region == 1:
        return 'pba'
    return FIELD_OF_OFFSET.get(offset % 16, 'other')


# --- the walk -------------------------------------------------------------------------------------

def read_trace(stream, pb2, on_events):
    """Walks the file packet by packet; calls on_events(list) per batch; returns the header and footer."""
    header = footer = None
    batches = events = 0
    for at, data in packets(stream):
        if footer is not None:
            raise TraceError('byte %d: packet after the footer' % at)
        p = pb2.Packet()
        try:
            p.ParseFromString(data)
        except Exception as e:  # google.protobuf.message.DecodeError
            raise TraceError('byte %d: packet does not parse (%s)' % (at, e))
        kind = p.WhichOneof('kind')
        if header is None:
            if kind != 'header':
                raise TraceError('not a .msixtrace file (first packet is not a header)')
            header = p.header
            if header.format_version > READS_FORMAT_VERSION:
                raise TraceError('written in format version %d by msixtrace %s; this script reads version %d'
                                 % (header.format_version, header.tool_version, READS_FORMAT_VERSION))
            if header.format_version < 1:
                raise TraceError('not a .msixtrace file (no format version in header)')
        elif kind == 'events':
            check_crc(data, at)
            evs = decode_batch(p.events, at)
            batches += 1
            events += len(evs)
            on_events(evs)
        elif kind == 'footer':
            footer = p.footer
        elif kind == 'header':
            raise TraceError('byte %d: second header' % at)
        # an unknown packet kind (a newer minor version) is skipped
    if header is None:
        raise TraceError('empty file, not a .msixtrace trace')
    if footer is None:
        raise TraceError('file ends before its footer (truncated trace)')
    if footer.events != events or footer.batches != batches:
        raise TraceError('footer says %d events in %d batches, the file holds %d in %d'
                         % (footer.events, footer.batches, events, batches))
    return header, footer, batches, events


def main(argv):
    ap = argparse.ArgumentParser(description='Read a .msixtrace file packet by packet with protoc-generated classes.')
    ap.add_argument('trace', help='.msixtrace file, - for stdin')
    ap.add_argument('--format', choices=('text', 'json'), default='text', help='summary format (default text)')
    ap.add_argument('--events', action='store_true', help='print every event as NDJSON (the keys of `msixtrace dump`)')
    ap.add_argument('--proto', default=DEFAULT_PROTO, help='msixtrace.proto to generate msixtrace_pb2 from '
                                                           '(default: ../proto/msixtrace.proto beside this script)')
    args = ap.parse_args(argv)

    pb2 = load_pb2(args.proto)
    counts = {f: {'read': 0, 'write': 0} for f in FIELDS}
    out = sys.stdout

    def count(evs):
        for e in evs:
            counts[field_of(e[4], e[5])]['write' if e[7] else 'read'] += 1

    def dump(evs):
        for (ts, guest, vcpu, device, region, offset, size, write, value) in evs:
            out.write(json.dumps({'ts_ns': ts, 'guest': guest, 'vcpu': vcpu, 'device': device,
                                  'region': 'pba' if region else 'table', 'offset': offset, 'size': size,
                                  'dir': 'w' if write else 'r', 'value': '0x%x' % value},
                                 separators=(',', ':')) + '\n')

    try:
        if args.trace == '-':
            header, footer, batches, events = read_trace(sys.stdin.buffer, pb2, dump if args.events else count)
        else:
            try:
                f = open(args.trace, 'rb')
            except OSError as e:
                die(2, '%s: cannot open: %s' % (args.trace, e.strerror))
            with f:
                header, footer, batches, events = read_trace(f, pb2, dump if args.events else count)
    except TraceError as e:
        die(1, '%s: %s' % (args.trace, e))
    if args.events:
        return 0

    totals = {'read': sum(c['read'] for c in counts.values()), 'write': sum(c['write'] for c in counts.values())}
    if args.format == 'json':
        json.dump({'trace': args.trace, 'format_version': header.format_version,
                   'source_format': header.source_format, 'devices': len(header.devices),
                   'events': events, 'batches': batches, 'interrupted': footer.interrupted,
                   'fields': counts, 'totals': totals}, out, indent=2)
        out.write('\n')
    else:
        out.write('trace %s\n' % args.trace)
        out.write('source %s, %d device(s)\n' % (header.source_format, len(header.devices)))
        out.write('events %d in %d batch(es)%s\n' % (events, batches, ', interrupted' if footer.interrupted else ''))
        out.write('%-12s %10s %10s\n' % ('field', 'read', 'write'))
        for f in FIELDS:
            out.write('%-12s %10d %10d\n' % (f, counts[f]['read'], counts[f]['write']))
        out.write('%-12s %10d %10d\n' % ('total', totals['read'], totals['write']))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
