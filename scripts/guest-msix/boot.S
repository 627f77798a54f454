/* Multiboot entry of the MSI-X exercise guest.
 * QEMU's -kernel loads a 32-bit multiboot ELF and jumps here in flat protected mode, paging off,
 * EAX = multiboot magic, EBX = multiboot info. */
	.set MB_MAGIC, 0x1BADB002
	.set MB_FLAGS, 0x00000003          /* page-align modules, want memory info */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .text
	.globl _start
_start:
	cli
	mov $stack_top, %esp
	/* MMX (movq for 8-byte MMIO reads) needs CR0.EM = 0 and CR0.TS = 0; set MP so FWAIT follows TS. */
	mov %cr0, %ecx
	and $~0x0000000C, %ecx
	or $0x00000002, %ecx
	mov %ecx, %cr0
	fninit
	/* IDT with one gate: vector 2 (NMI), the host's start signal (QMP inject-nmi). */
	mov $nmi_entry, %edx        /* EAX still holds the multiboot magic */
	mov %dx, idt + 2 * 8
	shr $16, %edx
	mov %dx, idt + 2 * 8 + 6
	lidt idt_ptr
	push %ebx
	push %eax
	call guest_main
	/* guest_main returns once the devices are found; wait for the NMI. */
1:	hlt
	jmp 1b

/* The NMI never returns: the instruction emulator of a software KVM handles IRET only in real
 * mode, so the handler starts the exercise on a fresh stack instead of resuming the halt loop. */
nmi_entry:
	mov $stack_top, %esp
	call guest_run
2:	hlt
	jmp 2b

/* u32 mmio_read64(volatile void *addr, u32 *hi)
 * One 8-byte guest access: an MMX movq load from MMIO, as 32-bit code has no 64-bit general register.
 * The value leaves MMX through a movq store to ordinary memory: the hypervisor's instruction
 * emulator here handles movq but not movd from an MMX register, nor (untested) emms, so no emms:
 * nothing in this program uses the x87 stack afterwards. */
	.globl mmio_read64
mmio_read64:
	mov 4(%esp), %eax
	movq (%eax), %mm0
	sub $8, %esp
	movq %mm0, (%esp)
	mov 4(%esp), %edx
	mov 16(%esp), %ecx
	mov %edx, (%ecx)
	mov (%esp), %eax
	add $8, %esp
	ret

	.section .data
	.align 8
idt:	/* gate 2: selector 0x08 (multiboot's flat code segment), 32-bit interrupt gate, present */
	.quad 0
	.quad 0
	.word 0, 0x08, 0x8e00, 0
idt_ptr:
	.word 3 * 8 - 1
	.long idt

	.section .bss
	.align 16
stack_bottom:
	.skip 16384
stack_top:
