#!/bin/sh
# /init of the recording initramfs built by scripts/record-qemu.sh (busybox sh).
#
# The kernel command line carries msixrec=<device>:<workload> and msixrec_bdf=<pci address>.
# Every phase starts with one byte (the phase letter) written to I/O port 0xe9 (isa-debugcon), so the
# host can cut the QEMU trace into phases without relying on guest/host clock agreement; the same
# letter is echoed to the console as "=== MARK <letter> ...".
# Console sections are fenced by "=== <NAME> BEGIN" / "=== <NAME> END" so the host can extract them
# verbatim (lspci-vv.txt comes from the LSPCI section).

export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

DEV=
WL=
BDF=
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	msixrec=*) DEV=${arg#msixrec=}; WL=${DEV#*:}; DEV=${DEV%%:*} ;;
	msixrec_bdf=*) BDF=${arg#msixrec_bdf=} ;;
	esac
done
PCIDIR=/sys/bus/pci/devices/$BDF
GW=10.0.2.2
ADDR=10.0.2.15/24

mark() {
	# One outb to 0xe9: /dev/port turns a 1-byte write at offset 0xe9 into exactly that.
	printf '%s' "$1" | dd of=/dev/port bs=1 seek=233 count=1 conv=notrunc 2>/dev/null
	echo "=== MARK $1 uptime=$(cut -d' ' -f1 /proc/uptime) : $2"
}

section() {
	# section NAME command...: fenced console dump. stderr goes to its own section so the host can
	# take the stdout section verbatim (lspci-vv.txt must be exactly what lspci printed).
	name=$1
	shift
	echo "=== $name BEGIN"
	"$@" 2>/tmp/section.err
	echo "=== $name END"
	if [ -s /tmp/section.err ]; then
		echo "=== $name-STDERR BEGIN"
		cat /tmp/section.err
		echo "=== $name-STDERR END"
	fi
}

fail() {
	echo "=== MSIXREC FAIL: $*"
	mark Z "poweroff after failure"
	poweroff -f
}

dev_irqs() {
	ls "$PCIDIR/msi_irqs" 2>/dev/null | sort -n | tr '\n' ' '
}

show_irqs() {
	# Only the recorded device uses MSI/MSI-X in this VM (AHCI has no driver), so PCI-MSI lines are its.
	section "INTERRUPTS-$1" grep -E 'CPU0|PCI-MSI' /proc/interrupts
}

wait_for() {
	# wait_for SECONDS test-expression...: poll because probe work (nvme reset, netdev
	# registration) finishes asynchronously after insmod returns
	n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		if "$@"; then return 0; fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

netif() {
	# The netdev hangs below the PCI function (e1000e, igb) or below its virtioN child (virtio-net).
	for d in "$PCIDIR"/net/* "$PCIDIR"/virtio*/net/*; do
		[ -e "$d" ] && { basename "$d"; return 0; }
	done
	return 1
}

has_netif() { netif >/dev/null; }
has_carrier() { [ "$(cat /sys/class/net/$IF/carrier 2>/dev/null)" = 1 ]; }
has_nvme_ns() { [ -b /dev/nvme0n1 ]; }
has_driver() { [ -e "$PCIDIR/driver" ]; }

traffic() {
	# traffic N: N units of device work, enough interrupts for deferred vector moves to complete
	case "$DEV" in
	nvme)
		for c in $(online_cpus); do
			taskset -c "$c" dd if=/dev/nvme0n1 of=/dev/null bs=4k count="$1" iflag=direct 2>&1 | tail -1 | sed "s/^/cpu$c dd: /"
		done
		;;
	*)
		ping -A -q -c "$1" -W 2 "$GW" 2>&1 | tail -2 | tr '\n' ' '
		echo
		;;
	esac
}

online_cpus() {
	for c in /sys/devices/system/cpu/cpu[0-9]*; do
		n=${c##*cpu}
		if [ "$n" = 0 ] || [ "$(cat "$c/online" 2>/dev/null)" = 1 ]; then echo "$n"; fi
	done
}

net_up() {
	wait_for 20 has_netif || fail "no network interface under $PCIDIR"
	IF=$(netif)
	ip link set "$IF" up
	ip addr add "$ADDR" dev "$IF" 2>/dev/null
	wait_for 20 has_carrier || echo "warning: no carrier on $IF"
	echo "interface $IF up, irqs: $(dev_irqs)"
}

unbind_rebind() {
	# virtio-net: unbind the virtio driver from virtioN (the PCI function stays with virtio-pci,
	# but del_vqs frees the vectors and disables MSI-X); other NICs: unbind the PCI driver itself.
	if [ "$DEV" = virtio-net ]; then
		vdev=$(basename "$(ls -d "$PCIDIR"/virtio* | head -1)")
		ip link set "$IF" down
		echo "$vdev" > /sys/bus/virtio/drivers/virtio_net/unbind
		echo "unbound virtio_net from $vdev, irqs now: $(dev_irqs)"
		echo "$vdev" > /sys/bus/virtio/drivers/virtio_net/bind
	else
		drv=$(basename "$(readlink "$PCIDIR/driver")")
		ip link set "$IF" down
		echo "$BDF" > "/sys/bus/pci/drivers/$drv/unbind"
		echo "unbound $drv from $BDF, irqs now: $(dev_irqs)"
		echo "$BDF" > "/sys/bus/pci/drivers/$drv/bind"
	fi
	net_up
}

cpu1() {
	echo "$1" > /sys/devices/system/cpu/cpu1/online && echo "cpu1 online=$1"
}

# ---- phases -------------------------------------------------------------------------------------

echo "=== MSIXREC device=$DEV workload=$WL bdf=$BDF kernel=$(uname -r)"
[ -d "$PCIDIR" ] || fail "no PCI device at $BDF"

mark A "load drivers"
while read -r ko; do
	insmod "$ko" 2>&1 | sed "s|^|insmod $ko: |"
done < /modules.list
case "$DEV" in
nvme) wait_for 60 has_nvme_ns || fail "no /dev/nvme0n1" ;;
*) wait_for 30 has_netif || fail "no network interface under $PCIDIR" ;;
esac
has_driver || fail "no driver bound to $BDF"
echo "driver $(basename "$(readlink "$PCIDIR/driver")") bound, irqs: $(dev_irqs)"

mark B "lspci / config dumps (config space only)"
section LSPCI lspci -vv -nn
section LSPCI-XXX lspci -xxx
section LSPCI-XXXX lspci -xxxx -s "$BDF"
section PCI-RESOURCES cat "$PCIDIR/resource"
section IOMEM cat /proc/iomem
show_irqs after-probe

case "$DEV:$WL" in
*:affinity)
	mark C "bring up interface"
	net_up
	show_irqs after-up
	mark D "main traffic: ping"
	traffic 1000
	mark E "smp_affinity rewrites with traffic between rounds"
	for m in 2 1 3 2 1 3 1 2; do
		for i in $(dev_irqs); do
			echo "$m" > "/proc/irq/$i/smp_affinity" 2>/dev/null || echo "irq $i: smp_affinity=$m refused"
		done
		traffic 40
	done
	section EFFECTIVE-AFFINITY sh -c "for i in $(dev_irqs); do echo \"irq \$i: \$(cat /proc/irq/\$i/effective_affinity_list)\"; done"
	show_irqs after-affinity
	;;
*:hotplug)
	mark C "bring up interface"
	net_up
	mark D "main traffic: ping"
	traffic 1000
	mark H "CPU1 offline/online x2 with traffic"
	for r in 1 2; do
		cpu1 0
		traffic 40
		show_irqs cpu1-offline
		cpu1 1
		traffic 40
	done
	show_irqs after-hotplug
	;;
*:rebind)
	mark C "bring up interface"
	net_up
	mark D "main traffic: ping"
	traffic 500
	mark G "driver unbind/rebind x2, interface up and traffic after each rebind"
	for r in 1 2; do
		unbind_rebind
		traffic 40
	done
	show_irqs after-rebind
	;;
nvme:io-hotplug)
	mark C "direct reads from /dev/nvme0n1 on each CPU"
	traffic 512
	show_irqs after-io
	mark H "CPU1 offline/online x2 with direct reads"
	for r in 1 2; do
		cpu1 0
		traffic 64
		show_irqs cpu1-offline
		cpu1 1
		traffic 64
	done
	show_irqs after-hotplug
	;;
*)
	fail "unknown workload $WL for device $DEV"
	;;
esac

if [ "$DEV" = nvme ]; then
	mark F "teardown: sync + PCI driver unbind"
else
	mark F "teardown: interface down + PCI driver unbind"
fi
[ -n "${IF:-}" ] && ip link set "$IF" down
sync
if has_driver; then
	drv=$(basename "$(readlink "$PCIDIR/driver")")
	echo "$BDF" > "/sys/bus/pci/drivers/$drv/unbind" && echo "unbound $drv from $BDF"
fi
show_irqs final
section DMESG-TAIL sh -c "dmesg | tail -n 150"

echo "=== MSIXREC DONE"
mark Z "poweroff"
poweroff -f
