#!/usr/bin/env bash
# Record real kvm:kvm_mmio traffic of the MSI-X exercise guest (scripts/guest-msix) under KVM, with
# three host tracers at once and QEMU's own memory_region_ops log of the same run.
set -Eeuo pipefail

PROG=record-kvm
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
GUEST_DIR=$SCRIPT_DIR/guest-msix
QMP="node $GUEST_DIR/qmp.js"
T=/sys/kernel/tracing

die() { echo "$PROG: error: $*" >&2; exit 1; }

usage() {
	cat <<'USAGE'
Usage: scripts/record-kvm.sh [--vms N] [--rounds N] [--vectors N] [--out DIR]

Boots N identical VMs (-enable-kvm, e1000e + virtio-net-pci + nvme each) running the bare-metal
MSI-X exercise guest, and records the run with:
  - QEMU's own log per VM:   -trace 'memory_region_ops_*' -D qemu-vmN.log -msg timestamp=on
  - QEMU's memory map per VM (QMP human-monitor-command 'info mtree -f', after the firmware ran),
    query-pci and query-cpus-fast
  - an ftrace instance with options/record-tgid and kvm:kvm_mmio enabled (removed afterwards)
  - perf record -e kvm:kvm_mmio -a, then perf script with the default fields and with
    -F comm,pid,tid,cpu,time,event,trace
  - trace-cmd record -B <instance> -e kvm:kvm_mmio inside unshare -m, with plain files bound over the
    function-tracing control files this kernel refuses to open (trace.dat + trace-cmd report)
The guest finds its devices and halts; the tracers start; QMP inject-nmi starts the MSI-X traffic in
every VM at once; each guest ends its VM through isa-debug-exit.

  --vms N       1 or 2 VMs at the same time (default 1)
  --rounds N    mask/retarget/unmask rounds per device (default 4)
  --vectors N   table entries driven per device (default 3)
  --out DIR     output directory (default traces/kvm-<N>vm-<rounds>r)
  -h, --help    this text

Needs root, /dev/kvm, tracefs, qemu-system-x86, trace-cmd, linux-perf, gcc, make and node.
USAGE
}

VMS=1
ROUNDS=4
VECTORS=3
OUT=
while [ $# -gt 0 ]; do
	case "$1" in
	--vms) VMS=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--vectors) VECTORS=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
case "$VMS" in 1 | 2) ;; *) die "--vms must be 1 or 2" ;; esac
[ -n "$OUT" ] || OUT=$REPO_DIR/traces/kvm-${VMS}vm-${ROUNDS}r
[ "$(id -u)" = 0 ] || die "must run as root (tracefs and perf -a)"
[ -c /dev/kvm ] || die "no /dev/kvm"
[ -d $T/events ] || mount -t tracefs nodev $T || die "tracefs not mounted: mount -t tracefs nodev $T"
[ -d $T/events/kvm/kvm_mmio ] || die "kvm:kvm_mmio tracepoint not available"
for c in qemu-system-x86_64 trace-cmd perf node make gcc unshare; do
	command -v $c >/dev/null || die "$c not installed"
done

make -s -C "$GUEST_DIR" guest.elf
[ ! -e "$OUT" ] || [ -z "$(ls -A "$OUT")" ] || die "$OUT exists and is not empty"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/record-kvm.XXXXXX)
INST=record-kvm-$$               # our ftrace instance
TCINST=record-kvm-tc-$$          # trace-cmd's instance
QPIDS=()
PERF_PID=
TC_PID=

cleanup() {
	trap - ERR
	set +e
	for p in "${QPIDS[@]}"; do kill "$p" 2>/dev/null; done
	# SIGINT, not SIGTERM: trace-cmd stops its per-CPU recorder processes only on SIGINT.
	for p in $PERF_PID $TC_PID; do kill -INT "$p" 2>/dev/null; done
	for p in $PERF_PID $TC_PID; do wait "$p" 2>/dev/null; done
	[ -d $T/instances/$INST ] && { echo 0 > $T/instances/$INST/events/kvm/kvm_mmio/enable; rmdir $T/instances/$INST; }
	[ -d $T/instances/$TCINST ] && rmdir $T/instances/$TCINST
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'die "unexpected failure at line $LINENO: $BASH_COMMAND"' ERR

# --- boot the VMs -----------------------------------------------------------------------------------
for i in $(seq 1 "$VMS"); do
	qemu-img create -q -f raw "$WORK/nvme-vm$i.img" 1M   # one image per VM: QEMU locks images
	ARGS=(-name "vm$i,debug-threads=on" -enable-kvm -nodefaults -display none -m 64
		-kernel "$GUEST_DIR/guest.elf" -append "rounds=$ROUNDS vectors=$VECTORS"
		-qmp "unix:$WORK/qmp-vm$i.sock,server=on,wait=off"
		-chardev "file,id=dbg,path=$WORK/debugcon-vm$i.log" -device isa-debugcon,iobase=0xe9,chardev=dbg
		-device isa-debug-exit,iobase=0xf4,iosize=0x04
		-netdev user,id=n0,restrict=on -device e1000e,netdev=n0,addr=02.0
		-netdev user,id=n1,restrict=on -device virtio-net-pci,netdev=n1,addr=03.0
		-drive "file=$WORK/nvme-vm$i.img,if=none,format=raw,id=d0" -device nvme,drive=d0,serial=msix$i,addr=04.0
		-trace 'memory_region_ops_*' -D "$WORK/qemu-vm$i.log" -msg timestamp=on -pidfile "$WORK/vm$i.pid")
	echo "qemu-system-x86_64 ${ARGS[*]}" | sed "s#$WORK/##g; s#$GUEST_DIR/#scripts/guest-msix/#g" > "$OUT/qemu-cmdline-vm$i.txt"
	( trap - ERR; set +e; qemu-system-x86_64 "${ARGS[@]}" > "$WORK/qemu-vm$i.out" 2>&1; echo $? > "$WORK/rc-vm$i" ) &
	for _ in $(seq 100); do [ -s "$WORK/vm$i.pid" ] && break; sleep 0.1; done
	[ -s "$WORK/vm$i.pid" ] || die "vm$i: QEMU did not start: $(cat "$WORK/qemu-vm$i.out")"
	QPIDS+=("$(cat "$WORK/vm$i.pid")")
done

for i in $(seq 1 "$VMS"); do
	for _ in $(seq 600); do
		grep -q ready "$WORK/debugcon-vm$i.log" 2>/dev/null && break
		[ -e "$WORK/rc-vm$i" ] && break
		sleep 0.2
	done
	grep -q ready "$WORK/debugcon-vm$i.log" || die "vm$i: guest not ready: $(cat "$WORK/qemu-vm$i.out")"
	S=$WORK/qmp-vm$i.sock
	$QMP "$S" '{"execute":"human-monitor-command","arguments":{"command-line":"info mtree -f"}}' > "$OUT/mtree-vm$i.txt"
	$QMP "$S" '{"execute":"query-pci"}' > "$OUT/query-pci-vm$i.json"
	$QMP "$S" '{"execute":"query-cpus-fast"}' > "$OUT/cpus-vm$i.json"
	echo "${QPIDS[$((i - 1))]}" > "$OUT/pid-vm$i.txt"
done

# --- start the tracers ------------------------------------------------------------------------------
mkdir $T/instances/$INST
echo 4096 > $T/instances/$INST/buffer_size_kb
echo 1 > $T/instances/$INST/options/record-tgid
echo 1 > $T/instances/$INST/events/kvm/kvm_mmio/enable
echo 1 > $T/instances/$INST/tracing_on

perf record -q -e kvm:kvm_mmio -a -o "$OUT/perf.data" > "$WORK/perf.out" 2>&1 &
PERF_PID=$!

cat > "$WORK/trace-cmd.sh" <<TCSH
# Runs inside unshare -m: this kernel refuses even to open ftrace_enabled and the set_ftrace_* files
# (top level and instance), and trace-cmd stops at the first refusal, so plain files stand in for
# them in this private mount namespace only.
set -e
I=$T/instances/$TCINST
mkdir \$I
for f in /proc/sys/kernel/ftrace_enabled $T/set_ftrace_filter $T/set_ftrace_notrace $T/set_ftrace_pid \\
	$T/set_ftrace_notrace_pid \$I/set_ftrace_pid \$I/set_ftrace_notrace_pid; do
	[ -e "\$f" ] || continue
	tmp=\$(mktemp -p $WORK); cat "\$f" > "\$tmp" 2>/dev/null || true; mount --bind "\$tmp" "\$f"
done
exec trace-cmd record -B $TCINST -b 4096 -e kvm:kvm_mmio -o $OUT/trace.dat
TCSH
unshare -m bash "$WORK/trace-cmd.sh" > "$WORK/trace-cmd.out" 2>&1 &
TC_PID=$!
tc_on() { [ "$(cat $T/instances/$TCINST/events/kvm/kvm_mmio/enable 2>/dev/null)" = 1 ]; }
for _ in $(seq 100); do tc_on && break; sleep 0.1; done
tc_on || die "trace-cmd did not start: $(cat "$WORK/trace-cmd.out")"
sleep 1

# --- run --------------------------------------------------------------------------------------------
$QMP --nmi $(for i in $(seq 1 "$VMS"); do echo "$WORK/qmp-vm$i.sock"; done)
wait_vms() {
	for _ in $(seq 1800); do
		local alive=0
		for p in "${QPIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && return 0
		sleep 0.2
	done
	die "VMs still running after 6 minutes"
}
wait_vms
sleep 0.5

# --- stop the tracers -------------------------------------------------------------------------------
echo 0 > $T/instances/$INST/tracing_on
cat $T/instances/$INST/trace > "$OUT/ftrace.txt"
echo 0 > $T/instances/$INST/events/kvm/kvm_mmio/enable
rmdir $T/instances/$INST
kill -INT $PERF_PID $TC_PID
wait $PERF_PID || true
wait $TC_PID || true
PERF_PID=
TC_PID=
[ -d $T/instances/$TCINST ] && rmdir $T/instances/$TCINST
perf script -i "$OUT/perf.data" > "$OUT/perf-script.txt" 2>/dev/null
perf script -i "$OUT/perf.data" -F comm,pid,tid,cpu,time,event,trace > "$OUT/perf-script-pid.txt" 2>/dev/null
trace-cmd report -i "$OUT/trace.dat" > "$OUT/trace-cmd-report.txt" 2>/dev/null

for i in $(seq 1 "$VMS"); do
	echo "exit status $(cat "$WORK/rc-vm$i")" >> "$WORK/debugcon-vm$i.log"
	cp "$WORK/debugcon-vm$i.log" "$OUT/debugcon-vm$i.log"
	grep -E "name 'msix-(table|pba)'" "$WORK/qemu-vm$i.log" > "$OUT/qemu-msix-vm$i.log" || true
	gzip -9 -c "$WORK/qemu-vm$i.log" > "$OUT/qemu-vm$i.log.gz"
done
for f in ftrace.txt perf-script.txt perf-script-pid.txt trace-cmd-report.txt $(cd "$OUT" && ls qemu-msix-vm*.log); do
	[ "$(stat -c %s "$OUT/$f")" -gt 262144 ] && gzip -9f "$OUT/$f"
done
{
	echo "recorded=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "kernel=$(uname -r)"
	echo "qemu=$(qemu-system-x86_64 --version | head -1)"
	echo "perf=$(perf version)"
	echo "trace-cmd=$(trace-cmd --version 2>&1 | grep -m1 version | sed 's/^ *//' || true)"
	echo "vms=$VMS rounds=$ROUNDS vectors=$VECTORS"
} > "$OUT/setup.txt"
node "$GUEST_DIR/compare.js" "$OUT" | tee "$OUT/agreement.txt"
"$GUEST_DIR/readme.sh" "$OUT"
echo "$PROG: wrote $OUT" >&2
