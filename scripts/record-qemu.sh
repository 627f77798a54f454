#!/usr/bin/env bash
# Record a real Linux guest's MSI-X table/PBA accesses under QEMU (TCG) into traces/<name>/.
#
# The guest is the host distribution's own kernel booted with a busybox initramfs whose /init
# (scripts/guest/init.sh) loads the device driver and runs a workload; QEMU's memory_region_ops
# trace events see every guest access to the 'msix-table' / 'msix-pba' regions.
set -Eeuo pipefail

PROG=record-qemu
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
GUEST_INIT=$SCRIPT_DIR/guest/init.sh

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}
trap 'die "unexpected failure at line $LINENO: $BASH_COMMAND"' ERR

usage() {
	cat <<'EOF'
Usage: scripts/record-qemu.sh [--device DEV] [--workload NAME] [--out DIR]

Boot the installed Debian kernel under QEMU (TCG, -machine q35 -smp 2 -m 512) with a busybox
initramfs that drives one PCI device through a workload, trace every MSI-X table/PBA access, and
write a recording directory.

  --device DEV      e1000e | virtio-net | nvme | igb       (default: virtio-net)
  --workload NAME   network devices: affinity | hotplug | rebind   (default: affinity)
                    nvme: io-hotplug                               (default: io-hotplug)
                      affinity   ip link up, pings, smp_affinity rewrites of the device IRQs
                      hotplug    ip link up, pings, CPU1 offline/online x2
                      rebind     ip link up, pings, driver unbind/rebind x2
                      io-hotplug O_DIRECT dd reads on each CPU, CPU1 offline/online x2
                    every workload ends with interface down + PCI driver unbind
  --out DIR         output directory
                    (default: traces/qemu-<ver>-linux-<ver>-<device>-<workload>)
  -h, --help        this text

Missing host packages (qemu-system-x86 linux-image-amd64 busybox-static pciutils cpio kmod) are
installed with apt-get. Output files: README.md trace-msix.log [trace-full.log.gz] console.log
lspci-vv.txt lspci-xxxx.txt markers.txt qemu-cmdline.txt
EOF
}

DEVICE=virtio-net
WORKLOAD=
OUT=
while [ $# -gt 0 ]; do
	case "$1" in
	--device) [ $# -ge 2 ] || die "--device needs a value"; DEVICE=$2; shift 2 ;;
	--workload) [ $# -ge 2 ] || die "--workload needs a value"; WORKLOAD=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || die "--out needs a value"; OUT=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

case "$DEVICE" in
e1000e | virtio-net | igb) WORKLOAD=${WORKLOAD:-affinity}
	case "$WORKLOAD" in affinity | hotplug | rebind) ;; *) die "workload '$WORKLOAD' is not valid for $DEVICE (affinity, hotplug, rebind)" ;; esac ;;
nvme) WORKLOAD=${WORKLOAD:-io-hotplug}
	case "$WORKLOAD" in io-hotplug) ;; *) die "workload '$WORKLOAD' is not valid for nvme (io-hotplug)" ;; esac ;;
*) die "unknown device '$DEVICE' (e1000e, virtio-net, nvme, igb)" ;;
esac
[ -r "$GUEST_INIT" ] || die "guest init script missing: $GUEST_INIT"

# ---- host dependencies --------------------------------------------------------------------------

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

ensure_packages() {
	local missing=() p
	for p in qemu-system-x86 linux-image-amd64 busybox-static pciutils cpio kmod; do
		pkg_installed "$p" || missing+=("$p")
	done
	# dpkg state alone can lie on a half-cleaned machine, so check the files we actually use too.
	command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
	[ -x /bin/busybox ] || missing+=(busybox-static)
	command -v lspci >/dev/null || missing+=(pciutils)
	command -v cpio >/dev/null || missing+=(cpio)
	command -v modprobe >/dev/null || missing+=(kmod)
	[ ${#missing[@]} -eq 0 ] && return 0
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	[ "$(id -u)" = 0 ] || die "missing packages (${missing[*]}) and not root to install them"
	echo "$PROG: installing ${missing[*]}" >&2
	# Another apt run may hold the dpkg lock (shared machines); wait for it instead of failing.
	apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 ||
		die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
}
ensure_packages

QEMU=$(command -v qemu-system-x86_64)
QEMU_VERSION_LINE=$("$QEMU" --version | head -n1)
QEMU_VER=$(sed -n 's/^QEMU emulator version \([0-9]*\.[0-9]*\).*/\1/p' <<<"$QEMU_VERSION_LINE")
[ -n "$QEMU_VER" ] || die "cannot parse QEMU version from '$QEMU_VERSION_LINE'"
QEMU_PKG_VER=$(dpkg-query -W -f='${Version}' qemu-system-x86)

# The metapackage points at the kernel we want; fall back to the newest kernel with modules.
KVER=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null | grep -o 'linux-image-[0-9][^ ,]*' | head -n1 | sed 's/^linux-image-//' || true)
if [ -z "$KVER" ] || [ ! -d "/lib/modules/$KVER" ]; then
	KVER=$(ls /lib/modules | sort -V | tail -n1)
fi
KERNEL=/boot/vmlinuz-$KVER
[ -r "$KERNEL" ] || die "kernel image $KERNEL not readable"
[ -d "/lib/modules/$KVER" ] || die "no modules for kernel $KVER"
KPKG=linux-image-$KVER
KPKG_VER=$(dpkg-query -W -f='${Version}' "$KPKG" 2>/dev/null || echo unknown)
KSHORT=$(sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p' <<<"$KVER")

QEMU_DEVICE=$DEVICE
[ "$DEVICE" = virtio-net ] && QEMU_DEVICE=virtio-net-pci
"$QEMU" -device help 2>/dev/null | grep -q "name \"$QEMU_DEVICE\"" ||
	die "QEMU $QEMU_VER has no '$QEMU_DEVICE' device (igb needs QEMU 8.0 or later)"

case "$DEVICE" in
e1000e) MODULES=(e1000e) ;;
igb) MODULES=(igb) ;;
virtio-net) MODULES=(virtio_pci virtio_net) ;;
nvme) MODULES=(nvme) ;;
esac

NAME=qemu-$QEMU_VER-linux-$KSHORT-$DEVICE-$WORKLOAD
OUT=${OUT:-$REPO_DIR/traces/$NAME}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/record-qemu.XXXXXX")
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

# ---- initramfs ----------------------------------------------------------------------------------

ROOT=$WORK/root
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,usr/share/misc}
cp /bin/busybox "$ROOT/bin/busybox"
for applet in $(/bin/busybox --list-full); do
	[ -e "$ROOT/$applet" ] || ln -s /bin/busybox "$ROOT/$applet"
done

# The guest's lspci is the host's dynamically linked one, so it needs its loader and libraries.
copy_with_libs() {
	local bin=$1 lib
	mkdir -p "$ROOT$(dirname "$bin")"
	rm -f "$ROOT$bin"
	cp -L "$bin" "$ROOT$bin"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done
}
copy_with_libs "$(command -v lspci)"
for ids in /usr/share/misc/pci.ids /usr/share/misc/pci.ids.gz; do
	[ -e "$ids" ] && cp -L "$ids" "$ROOT/usr/share/misc/"
done

# modprobe resolves the dependency order (including softdeps) for the guest kernel; the guest
# then only needs busybox insmod. Built-in modules print "builtin" and need nothing.
: >"$ROOT/modules.list"
mkdir -p "$ROOT/lib/modules"
for m in "${MODULES[@]}"; do
	modprobe --show-depends -S "$KVER" "$m" >>"$WORK/modprobe.out" || die "modprobe cannot resolve module $m for $KVER"
done
while read -r kind path _; do
	[ "$kind" = insmod ] || continue
	base=$(basename "$path")
	dst=/lib/modules/${base%%.ko*}.ko
	grep -qxF "$dst" "$ROOT/modules.list" && continue
	case "$path" in
	*.ko) cp "$path" "$ROOT$dst" ;;
	*.ko.xz) xz -dc "$path" >"$ROOT$dst" ;;
	*.ko.zst) zstd -qdc "$path" >"$ROOT$dst" ;;
	*.ko.gz) gzip -dc "$path" >"$ROOT$dst" ;;
	*) die "unknown module format: $path" ;;
	esac
	echo "$dst" >>"$ROOT/modules.list"
done <"$WORK/modprobe.out"

# libkmod's indexes let the guest lspci -vv print "Kernel modules:" like an installed system does.
mkdir -p "$ROOT/lib/modules/$KVER"
cp /lib/modules/"$KVER"/modules.*.bin /lib/modules/"$KVER"/modules.softdep "$ROOT/lib/modules/$KVER/" 2>/dev/null || true

install -m 0755 "$GUEST_INIT" "$ROOT/init"
INITRD=$WORK/initrd.gz
(cd "$ROOT" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$INITRD"

# ---- QEMU run -----------------------------------------------------------------------------------

TRACE=$WORK/trace.log
DEBUGCON=$WORK/debugcon.log
DISK=$WORK/disk.img
BDF=0000:00:01.0
MAC=52:54:00:12:34:01
case "$DEVICE" in
nvme)
	truncate -s 64M "$DISK"
	DEV_ARGS=(-drive "file=$DISK,if=none,id=d0,format=raw" -device "nvme,drive=d0,serial=msixrec0,addr=01.0")
	;;
*)
	DEV_ARGS=(-netdev user,id=n0,restrict=on -device "$QEMU_DEVICE,netdev=n0,mac=$MAC,addr=01.0")
	;;
esac
QEMU_ARGS=(-machine q35 -nodefaults -nographic -serial stdio -monitor none -no-reboot -m 512 -smp 2
	-kernel "$KERNEL" -initrd "$INITRD"
	-append "console=ttyS0 panic=-1 msixrec=$DEVICE:$WORKLOAD msixrec_bdf=$BDF"
	-chardev "file,id=dbg,path=$DEBUGCON" -device isa-debugcon,iobase=0xe9,chardev=dbg
	"${DEV_ARGS[@]}"
	-trace enable=memory_region_ops_read -trace enable=memory_region_ops_write -D "$TRACE" -msg timestamp=on)

echo "$PROG: booting $KVER with $DEVICE, workload $WORKLOAD (TCG, takes ~30 s)" >&2
t0=$(date +%s.%N)
rc=0
timeout 300 "$QEMU" "${QEMU_ARGS[@]}" </dev/null >"$WORK/console.raw" 2>"$WORK/qemu.stderr" || rc=$?
t1=$(date +%s.%N)
RUNTIME=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
[ $rc -eq 124 ] && die "QEMU timed out after 300 s (console tail: $(tail -c 300 "$WORK/console.raw" | tr -d '\r' | tail -n 3 | tr '\n' '|'))"
[ $rc -eq 0 ] || die "QEMU exited with $rc: $(head -c 500 "$WORK/qemu.stderr")"

tr -d '\r' <"$WORK/console.raw" >"$WORK/console.log"
if grep -q '^=== MSIXREC FAIL' "$WORK/console.log"; then
	die "guest workload failed: $(grep -m1 '^=== MSIXREC FAIL' "$WORK/console.log")"
fi
grep -q '^=== MSIXREC DONE' "$WORK/console.log" || die "guest did not finish the workload (see console: no '=== MSIXREC DONE')"
[ -s "$TRACE" ] || die "QEMU wrote no trace"

# ---- extraction ---------------------------------------------------------------------------------

section() { sed -n "/^=== $1 BEGIN\$/,/^=== $1 END\$/p" "$WORK/console.log" | sed '1d;$d'; }
section LSPCI >"$WORK/lspci-vv.txt"
section LSPCI-XXXX >"$WORK/lspci-xxxx.txt"
[ -s "$WORK/lspci-vv.txt" ] || die "no '=== LSPCI BEGIN/END' section in the console log"

grep "name 'msix-" "$TRACE" >"$WORK/trace-msix.log" || true
MSIX_LINES=$(wc -l <"$WORK/trace-msix.log")
[ "$MSIX_LINES" -gt 0 ] || die "the trace holds no MSI-X table/PBA access; nothing to record"
FULL_LINES=$(wc -l <"$TRACE")
FULL_BYTES=$(stat -c %s "$TRACE")

# markers.txt: for each phase byte written to 0xe9, the 1-based line of trace-msix.log holding the
# first MSI-X access after it, and the host time of the marker write.
awk '
	/name .msix-/ { n++; next }
	/memory_region_ops_write / && /name .isa-debugcon./ {
		for (i = 1; i <= NF; i++) if ($i == "value") v = $(i + 1)
		c = 0; s = tolower(substr(v, 3))
		for (j = 1; j <= length(s); j++) c = c * 16 + index("0123456789abcdef", substr(s, j, 1)) - 1
		if (c < 65 || c > 90) next
		t = $1; sub(/^[0-9]*@/, "", t); sub(/:.*/, "", t)
		printf "%c next_msix_line=%d host_time=%s\n", c, n + 1, t
	}' "$TRACE" >"$WORK/markers.txt"
[ -s "$WORK/markers.txt" ] || die "no phase markers (writes to isa-debugcon 0xe9) in the trace"
DEBUGCON_LETTERS=$(tr -cd 'A-Z' <"$DEBUGCON")
MARKER_LETTERS=$(cut -c1 "$WORK/markers.txt" | tr -d '\n')
[ "$DEBUGCON_LETTERS" = "$MARKER_LETTERS" ] ||
	die "phase markers in the trace ($MARKER_LETTERS) differ from the debugcon file ($DEBUGCON_LETTERS)"

# MSI-X geometry of the recorded device from the guest's lspci -vv: BAR addresses + table/PBA offsets.
SHORT_BDF=${BDF#0000:}
read -r TABLE_BASE TABLE_ENTRIES PBA_BASE TABLE_BAR TABLE_OFF PBA_BAR PBA_OFF BAR_SIZE DEV_DESC < <(
	awk -v bdf="$SHORT_BDF" '
		function hex(s,   i, c) { s = tolower(s); sub(/^0x/, "", s); c = 0
			for (i = 1; i <= length(s); i++) c = c * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return c }
		/^[0-9a-f]/ { indev = (index($0, bdf " ") == 1); if (indev) { desc = $0; sub(/^[^ ]* /, "", desc) } next }
		!indev { next }
		/^\tRegion [0-9]+: Memory at / { r = $2; sub(/:/, "", r); bar[r] = hex($5)
			sz[r] = $0; sub(/.*size=/, "", sz[r]); sub(/\].*/, "", sz[r]) }
		/MSI-X: Enable/ { for (i = 1; i <= NF; i++) if ($i ~ /^Count=/) { n = $i; sub(/Count=/, "", n) } }
		/Vector table: BAR=/ { tb = $3; sub(/BAR=/, "", tb); to = $4; sub(/offset=/, "", to) }
		/PBA: BAR=/ { pbb = $2; sub(/BAR=/, "", pbb); po = $3; sub(/offset=/, "", po) }
		END { if (n == "" || tb == "" || !(tb in bar)) exit 1
			gsub(/ /, "_", desc)
			printf "0x%x %d 0x%x %s 0x%x %s 0x%x %s %s\n", bar[tb] + hex(to), n, bar[pbb] + hex(po), tb, hex(to), pbb, hex(po), sz[tb], desc }
	' "$WORK/lspci-vv.txt") || die "no MSI-X capability for $SHORT_BDF in the guest lspci -vv"
DEV_DESC=${DEV_DESC//_/ }

# The counting program is kept in a variable so the README can show exactly what produced the numbers.
COUNT_AWK='
function hex(s,   i, c) { s = tolower(s); sub(/^0x/, "", s); c = 0
	for (i = 1; i <= length(s); i++) c = c * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return c }
FNR == NR { split($2, a, "="); ph[++np] = $1; start[np] = a[2] + 0; next }   # markers.txt
{
	for (i = 1; i <= NF; i++) { if ($i == "cpu") cpu = $(i + 1); if ($i == "addr") ad = hex($(i + 1)); if ($i == "size") sz = $(i + 1) }
	rw = ($0 ~ /memory_region_ops_read /) ? "R" : "W"
	p = "-"; for (k = 1; k <= np; k++) if (start[k] <= FNR) p = ph[k]
	T = hex(tb); P = hex(pb)
	if (ad >= T && ad < T + 16 * n) {
		off = ad - T; e = int(off / 16); f = off % 16
		tab[rw]++; fld[rw, f]++; ent[e]++; if (rw == "R" && off == 0) rd0++
		pt[p, rw]++
	} else if (ad >= P && ad < P + 8 * int((n + 63) / 64)) { pba[rw]++; pp[p, rw]++ }
	else out++
	vc[cpu]++; size[sz]++; seen[p] = 1
}
END {
	printf "lines %d\n", FNR
	printf "table_reads %d\ntable_writes %d\npba_reads %d\npba_writes %d\noutside %d\n", tab["R"], tab["W"], pba["R"], pba["W"], out
	split("addr_lo addr_hi data vector_ctrl", fn, " ")
	for (f = 0; f < 16; f += 4) printf "field +%d %s reads %d writes %d\n", f, fn[f / 4 + 1], fld["R", f], fld["W", f]
	printf "table_read_offset0 %d\n", rd0
	for (e = 0; e < n; e++) if (ent[e]) printf "entry %d %d\n", e, ent[e]
	for (c in vc) printf "vcpu %s %d\n", c, vc[c]
	for (s in size) printf "size %s %d\n", s, size[s]
	for (k = 1; k <= np; k++) if (seen[ph[k]] && !done[ph[k]]++) printf "phase %s tableR %d tableW %d pbaR %d pbaW %d\n", ph[k], pt[ph[k], "R"], pt[ph[k], "W"], pp[ph[k], "R"], pp[ph[k], "W"]
}'
awk -v tb="$TABLE_BASE" -v n="$TABLE_ENTRIES" -v pb="$PBA_BASE" "$COUNT_AWK" \
	"$WORK/markers.txt" "$WORK/trace-msix.log" >"$WORK/counts.txt"
cnt() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$WORK/counts.txt"; }
TR=$(cnt table_reads); TW=$(cnt table_writes); PR=$(cnt pba_reads); PW=$(cnt pba_writes); OUTSIDE=$(cnt outside)
[ $((TR + TW)) -gt 0 ] || die "no access falls inside the lspci-derived MSI-X table at $TABLE_BASE"

# ---- output -------------------------------------------------------------------------------------

mkdir -p "$OUT"
# Rerunnable: drop only files this script writes, so a stale trace-full.log.gz cannot survive.
rm -f "$OUT"/{README.md,trace-msix.log,trace-full.log.gz,console.log,lspci-vv.txt,lspci-xxxx.txt,markers.txt,qemu-cmdline.txt}
cp "$WORK/trace-msix.log" "$WORK/lspci-vv.txt" "$WORK/markers.txt" "$OUT/"
[ -s "$WORK/lspci-xxxx.txt" ] && cp "$WORK/lspci-xxxx.txt" "$OUT/"

gzip -9 -c "$TRACE" >"$WORK/trace-full.log.gz"
GZ_BYTES=$(stat -c %s "$WORK/trace-full.log.gz")
if [ "$GZ_BYTES" -lt $((3 * 1024 * 1024)) ]; then
	cp "$WORK/trace-full.log.gz" "$OUT/"
	FULL_NOTE="\`trace-full.log.gz\`: the complete unfiltered trace (gzip -9, $GZ_BYTES bytes; $FULL_LINES lines, $FULL_BYTES bytes uncompressed)"
else
	FULL_NOTE="the full trace ($FULL_LINES lines, $FULL_BYTES bytes; $GZ_BYTES bytes gzipped) is not kept: over the 3 MB limit"
fi

CONSOLE_BYTES=$(stat -c %s "$WORK/console.log")
if [ "$CONSOLE_BYTES" -gt 200000 ]; then
	# Keep the boot and the first phases, plus the end of the run; the middle is bulk output.
	{ head -c 110000 "$WORK/console.log" | sed '$d'
	  echo "[... console trimmed by record-qemu.sh: $CONSOLE_BYTES bytes in total ...]"
	  tail -c 80000 "$WORK/console.log" | sed '1d'; } >"$OUT/console.log"
	CONSOLE_NOTE="trimmed to the first ~110 KB and last ~80 KB of $CONSOLE_BYTES bytes"
else
	cp "$WORK/console.log" "$OUT/console.log"
	CONSOLE_NOTE="complete, $CONSOLE_BYTES bytes"
fi

placeholders() {
	sed -e "s|$KERNEL|KERNEL|g" -e "s|$INITRD|INITRD|g" -e "s|$DEBUGCON|DEBUGCON.log|g" \
		-e "s|$TRACE|TRACE.log|g" -e "s|$DISK|DISK.img|g" -e "s|$QEMU|qemu-system-x86_64|g"
}
{
	printf '%s' "$QEMU"
	for a in "${QEMU_ARGS[@]}"; do
		case "$a" in *' '*) printf " '%s'" "$a" ;; *) printf ' %s' "$a" ;; esac
	done
	echo
} | placeholders >"$OUT/qemu-cmdline.txt"

# README tables
PHASE_ROWS=$(awk '
	FNR == NR { if ($1 == "phase") { r[$2] = $4 " | " $6 " | " $8 " | " $10 } next }
	/^=== MARK / { l = $3; label = $0; sub(/^[^:]*: /, "", label); up = $4; sub(/uptime=/, "", up)
		printf "| %s | %s | %s | %s |\n", l, up, label, (l in r) ? r[l] : "0 | 0 | 0 | 0" }
	' "$WORK/counts.txt" "$WORK/console.log")
FIELD_ROWS=$(awk '$1 == "field" { printf "| +%s %s | %s | %s |\n", substr($2, 2), $3, $5, $7 }' "$WORK/counts.txt")
ENTRY_LIST=$(awk '$1 == "entry" { printf "%s#%s: %s", sep, $2, $3; sep = ", " }' "$WORK/counts.txt")
VCPU_LIST=$(awk '$1 == "vcpu" { print "cpu" $2 ": " $3 }' "$WORK/counts.txt" | sort | paste -sd, - | sed 's/,/, /g')
SIZE_LIST=$(awk '$1 == "size" { print $2 " bytes: " $3 }' "$WORK/counts.txt" | sort | paste -sd, - | sed 's/,/, /g')
RD0=$(cnt table_read_offset0)
MR_TABLE=$(grep -m1 "name 'msix-table'" "$WORK/trace-msix.log" | sed -n 's/.* mr \(0x[0-9a-f]*\) .*/\1/p' || true)
IRQ_LINES=$(section INTERRUPTS-after-probe | sed 's/^/    /')
MARKERS_IN_ORDER=$(echo "$MARKER_LETTERS" | sed 's/./& /g; s/ $//')
RECORDED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
DISK_NOTE=
if [ "$DEVICE" = nvme ]; then DISK_NOTE=', DISK.img = a 64 MiB sparse raw image (`truncate -s 64M`)'; fi

cat >"$OUT/README.md" <<EOF
# Real recording: Linux $KSHORT guest, QEMU $QEMU_VER $DEVICE, workload \`$WORKLOAD\`

Unmodified QEMU trace of a real Linux guest driving the MSI-X table of an emulated \`$DEVICE\`,
made by \`scripts/record-qemu.sh --device $DEVICE --workload $WORKLOAD\`. The guest's \`/init\` is
\`scripts/guest/init.sh\`. Counts below are what that run produced; interrupt-timing dependent phases
(affinity moves, CPU hotplug) vary between runs.

## Setup

| item | value |
|---|---|
| recorded | $RECORDED, $(uname -m) host with $(nproc) cores |
| hypervisor | \`$QEMU_VERSION_LINE\`, package \`qemu-system-x86\` $QEMU_PKG_VER |
| accelerator | TCG (no KVM), \`-machine q35 -smp 2 -m 512 -nodefaults\` |
| guest kernel | \`vmlinuz-$KVER\`, package \`$KPKG\` $KPKG_VER |
| guest userland | busybox initramfs (\`busybox-static\` $(dpkg-query -W -f='${Version}' busybox-static)), guest \`lspci\` from \`pciutils\` $(dpkg-query -W -f='${Version}' pciutils); modules: $(sed 's|.*/||' "$ROOT/modules.list" | paste -sd' ' -) |
| device | $DEV_DESC at $BDF |
| MSI-X geometry (lspci-vv.txt) | Count=$TABLE_ENTRIES; vector table BAR$TABLE_BAR + $TABLE_OFF, PBA BAR$PBA_BAR + $PBA_OFF; BAR$TABLE_BAR size $BAR_SIZE. Table = $TABLE_BASE..$(printf '0x%x' $((TABLE_BASE + 16 * TABLE_ENTRIES - 1))) ($TABLE_ENTRIES entries x 16 bytes), PBA = $PBA_BASE ($((8 * ((TABLE_ENTRIES + 63) / 64))) bytes) |
| tracing | \`-trace enable=memory_region_ops_read -trace enable=memory_region_ops_write -D TRACE.log -msg timestamp=on\` |
| run time | boot + workload + poweroff: $RUNTIME s with tracing |

Device IRQs after probe (guest \`/proc/interrupts\`):

$IRQ_LINES

QEMU command line (\`qemu-cmdline.txt\`, one line): KERNEL = \`/boot/vmlinuz-$KVER\`, INITRD = the
busybox initramfs, DEBUGCON.log = file receiving the phase bytes, TRACE.log = the full trace$DISK_NOTE.

\`\`\`
$(cat "$OUT/qemu-cmdline.txt")
\`\`\`

## Workload phases

Each phase starts with its letter written to I/O port 0xe9 (isa-debugcon; a \`memory_region_ops_write
... addr 0xe9 value 0x41 size 1 name 'isa-debugcon'\` line in the full trace) and a console line
\`=== MARK <letter> uptime=<s> : <label>\`. Phases ran in the order $MARKERS_IN_ORDER.
\`markers.txt\`: \`<letter> next_msix_line=<N> host_time=<sec.usec>\`, N = 1-based line of
\`trace-msix.log\` holding the first MSI-X access after the marker (N = $((MSIX_LINES + 1)) means none after it).

| phase | guest uptime (s) | what the guest does | table R | table W | PBA R | PBA W |
|---|---|---|---|---|---|---|
$PHASE_ROWS

## Files

| file | content |
|---|---|
| \`trace-msix.log\` | the $MSIX_LINES trace lines whose region is \`msix-table\` or \`msix-pba\`, unmodified and in order |
| full trace | $FULL_NOTE |
| \`console.log\` | guest serial console, CR stripped ($CONSOLE_NOTE); sections fenced by \`=== NAME BEGIN\` / \`=== NAME END\` |
| \`lspci-vv.txt\` | guest \`lspci -vv -nn\` (the \`=== LSPCI\` console section) |
| \`lspci-xxxx.txt\` | guest \`lspci -xxxx -s $BDF\` |
| \`markers.txt\` | phase markers, see above |
| \`qemu-cmdline.txt\` | QEMU command line with host paths replaced by placeholders |

Line format: \`<tid>@<sec>.<usec>:memory_region_ops_<read|write> cpu <vcpu> mr 0x<ptr> addr 0x<gpa>
value 0x<hex> size <bytes> name '<region>'\`; \`addr\` is the absolute guest-physical address, \`mr\`
of the table is $MR_TABLE in this run.

## Counts

Offsets are relative to the table base $TABLE_BASE / PBA base $PBA_BASE from \`lspci-vv.txt\`.

| count | value |
|---|---|
| trace lines (msix-table + msix-pba) | $MSIX_LINES |
| table reads / writes | $TR / $TW |
| PBA reads / writes | $PR / $PW |
| table reads at offset 0 (entry 0 addr_lo: Linux's mask flush read) | $RD0 |
| lines outside the lspci-derived table/PBA ranges | $OUTSIDE |
| accesses per table entry (entries not listed: 0) | $ENTRY_LIST |
| by vCPU | $VCPU_LIST |
| access sizes | $SIZE_LIST |

Table accesses by field (offset % 16):

| field | reads | writes |
|---|---|---|
$FIELD_ROWS

Cross-check: \`grep -c "memory_region_ops_read .*name 'msix-table'" trace-msix.log\` = $(grep -c "memory_region_ops_read .*name 'msix-table'" "$OUT/trace-msix.log" || true),
\`grep -c "memory_region_ops_write .*name 'msix-table'" trace-msix.log\` = $(grep -c "memory_region_ops_write .*name 'msix-table'" "$OUT/trace-msix.log" || true),
\`grep -c "name 'msix-pba'" trace-msix.log\` = $(grep -c "name 'msix-pba'" "$OUT/trace-msix.log" || true).

### How the counts were computed

\`\`\`sh
grep "name 'msix-" TRACE.log > trace-msix.log
awk -v tb=$TABLE_BASE -v n=$TABLE_ENTRIES -v pb=$PBA_BASE "\$COUNT_AWK" markers.txt trace-msix.log
\`\`\`
with \`COUNT_AWK\` (from \`scripts/record-qemu.sh\`):

\`\`\`awk$COUNT_AWK
\`\`\`

Its raw output for this recording:

\`\`\`
$(cat "$WORK/counts.txt")
\`\`\`
EOF

echo "$PROG: wrote $OUT ($MSIX_LINES MSI-X lines: table R/W $TR/$TW, PBA R/W $PR/$PW)"
