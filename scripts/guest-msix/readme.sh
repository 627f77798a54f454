#!/usr/bin/env bash
# Writes README.md of one scripts/record-kvm.sh recording from the files the run left in it.
set -euo pipefail
D=$1
get() { grep "^$1=" "$D/setup.txt" | cut -d= -f2-; }
VMS=$(ls "$D"/mtree-vm*.txt | wc -l)
ROUNDS=$(get vms | sed 's/.*rounds=\([0-9]*\).*/\1/')
VECTORS=$(get vms | sed 's/.*vectors=\([0-9]*\).*/\1/')
name() { [ -e "$D/$1" ] && echo "$1" || echo "$1.gz"; }
{
cat <<MD
# Real KVM recording: $VMS VM(s), MSI-X exercise guest, $ROUNDS rounds

Recorded by \`scripts/record-kvm.sh --vms $VMS --rounds $ROUNDS --vectors $VECTORS\` on $(get recorded): $VMS
QEMU process(es) under \`-enable-kvm\`, each with an e1000e (00:02.0), a virtio-net-pci (00:03.0) and an
nvme (00:04.0), running the bare-metal guest of \`scripts/guest-msix/\` (a 32-bit multiboot ELF). The
VMs are identical: their tables sit at the same guest-physical addresses and their vCPU threads all
have the comm \`CPU 0/KVM\`; only the QEMU process id (tgid) or the vCPU thread id tells them apart.

## What the guest does

It finds the three devices through 0xCF8/0xCFC, prints \`ready\` on isa-debugcon and halts. The host
then takes each VM's \`info mtree -f\`, \`query-pci\` and \`query-cpus-fast\` over QMP, starts the
tracers and sends \`inject-nmi\` to every VM at once. From the NMI on, each device gets (as Linux's
PCI MSI code does it): MSI-X enable with the function mask set, a read of each used entry's
vector_ctrl, address/data writes each followed by a flush read of the data word, mask of every entry,
function mask cleared, then per entry address/data + flush read + unmask. Then $ROUNDS rounds of, per
used entry ($VECTORS per device): mask (write vector_ctrl, flush-read the table base), new address/data +
flush read, unmask; and per device one 8-byte MMX \`movq\` read of the PBA and of entry 0's address.
Finally every used entry is masked and cleared, MSI-X disabled, and the guest ends its VM through
isa-debug-exit (exit status 33 = success).

## Setup

\`\`\`
$(cat "$D/setup.txt")
\`\`\`

## Files

| file | what |
|---|---|
MD
for i in $(seq 1 "$VMS"); do
cat <<MD
| \`qemu-cmdline-vm$i.txt\` | vm$i's QEMU command line (temporary paths shortened) |
| \`pid-vm$i.txt\` | vm$i's QEMU process id: the tgid in ftrace and \`perf script -F pid,tid\` |
| \`cpus-vm$i.json\` | QMP \`query-cpus-fast\`: the vCPU thread id, which is the pid in \`perf script\` and \`trace-cmd report\` and the \`N@\` prefix of QEMU's log |
| \`mtree-vm$i.txt\` | QMP \`human-monitor-command\` \`info mtree -f\`, taken after the firmware assigned the BARs |
| \`query-pci-vm$i.json\` | QMP \`query-pci\` |
| \`$(name qemu-msix-vm$i.log)\` | vm$i's QEMU log lines of the \`msix-table\` / \`msix-pba\` regions |
| \`qemu-vm$i.log.gz\` | vm$i's whole QEMU log (\`-trace 'memory_region_ops_*' -D ... -msg timestamp=on\`, firmware included) |
| \`debugcon-vm$i.log\` | what vm$i's guest printed, and QEMU's exit status |
MD
done
cat <<MD
| \`$(name ftrace.txt)\` | \`trace\` of an ftrace instance with \`options/record-tgid\` and \`events/kvm/kvm_mmio/enable\` |
| \`perf.data\` | \`perf record -e kvm:kvm_mmio -a\` |
| \`$(name perf-script.txt)\` | \`perf script\` with the default fields (no process id, only the thread id) |
| \`$(name perf-script-pid.txt)\` | \`perf script -F comm,pid,tid,cpu,time,event,trace\` |
| \`trace.dat\` | \`trace-cmd record -B <instance> -b 4096 -e kvm:kvm_mmio\` |
| \`$(name trace-cmd-report.txt)\` | \`trace-cmd report\` of trace.dat (thread id only; lines start with the instance name) |
| \`agreement.txt\` | the check below |

All tracers ran at the same time over the same run. The ftrace instance and trace-cmd's instance were
removed afterwards. trace-cmd ran inside \`unshare -m\` with plain files bind-mounted over
\`/proc/sys/kernel/ftrace_enabled\` and the top-level and instance \`set_ftrace_pid\` /
\`set_ftrace_notrace_pid\` / \`set_ftrace_filter\` / \`set_ftrace_notrace\` files: this kernel
refuses to open them and trace-cmd stops (or crashes) at the first refusal.

## Agreement with QEMU's own log

\`scripts/guest-msix/compare.js\` brings every source to QEMU's 4-byte accesses (a kvm_mmio
\`unsatisfied-read\` is dropped once its \`read\` follows on the same thread; a \`len 8\` access becomes
two 4-byte ones, low dword first) within the \`msix-table\` / \`msix-pba\` ranges of each VM's mtree,
assigns each line to a VM by tgid where the tracer recorded it, else by vCPU thread id, and compares
the sequences access for access (operation, address, value):

\`\`\`
$(cat "$D/agreement.txt")
\`\`\`
MD
} > "$D/README.md"
