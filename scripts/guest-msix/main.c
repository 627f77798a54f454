/* MSI-X exercise guest: finds e1000e, virtio-net and nvme on PCI bus 0, enables MSI-X on each and
 * drives the table the way Linux's PCI MSI code does (mask = write vector_ctrl then read the table
 * back to flush the posted write; address/data writes followed by a flush read of the data word),
 * for a number of rounds given on the command line, then ends the run through isa-debug-exit.
 *
 * Runs as a multiboot kernel in flat 32-bit protected mode. Every MMIO access is a plain 32-bit mov
 * (or an MMX movq for the 8-byte reads), because under a software KVM most guest instructions go
 * through the hypervisor's instruction emulator and must be ones it knows.
 *
 * Command line (QEMU -append): rounds=N (default 4), vectors=N (entries driven per device, default 3).
 * Progress goes to isa-debugcon at port 0xe9 when present. The program finds its devices, prints
 * "ready" and halts; an NMI (QMP inject-nmi) starts the MSI-X traffic, so the host can take QEMU's
 * memory map (after the firmware assigned the BARs) and start its tracers first. */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

u32 mmio_read64(volatile void *addr, u32 *hi);   /* boot.S; returns the low dword */

#define DEBUGCON_PORT 0xe9
#define DEBUG_EXIT_PORT 0xf4
#define EXIT_OK 0x10        /* QEMU exits with (0x10 << 1) | 1 = 33 */
#define EXIT_FAIL 0x01      /* QEMU exits with 3 */

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAPABILITY_LIST 0x34
#define PCI_CAP_ID_MSIX 0x11

#define MSIX_FLAGS 2                /* offsets inside the MSI-X capability */
#define MSIX_TABLE 4
#define MSIX_PBA 8
#define MSIX_FLAGS_QSIZE 0x07ff
#define MSIX_FLAGS_MASKALL 0x4000
#define MSIX_FLAGS_ENABLE 0x8000

#define ENTRY_SIZE 16               /* one table entry: addr lo, addr hi, data, vector_ctrl */
#define ENTRY_LOWER_ADDR 0
#define ENTRY_UPPER_ADDR 4
#define ENTRY_DATA 8
#define ENTRY_VECTOR_CTRL 12
#define ENTRY_CTRL_MASKBIT 1

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline u32 readl(u32 addr) { return *(volatile u32 *)addr; }
static inline void writel(u32 v, u32 addr) { *(volatile u32 *)addr = v; }

static void puts_dbg(const char *s) { while (*s) outb(DEBUGCON_PORT, (u8)*s++); }
static void puthex(u32 v)
{
	char buf[11] = "0x";
	for (int i = 0; i < 8; i++) buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xf];
	buf[10] = 0;
	puts_dbg(buf);
}
static void putdec(u32 v)
{
	char buf[12];
	int n = 0;
	do { buf[n++] = (char)('0' + v % 10); v /= 10; } while (v);
	while (n) outb(DEBUGCON_PORT, (u8)buf[--n]);
}

static void finish(u8 code)
{
	puts_dbg(code == EXIT_OK ? "msix-guest: done\n" : "msix-guest: failed\n");
	outb(DEBUG_EXIT_PORT, code);
	for (;;) __asm__ volatile("hlt");
}

/* PCI configuration mechanism #1: address at 0xCF8, dword data at 0xCFC. */
static u32 cfg_addr(u32 bdf, u32 off) { return 0x80000000u | (bdf << 8) | (off & 0xfc); }
static u32 cfg_read32(u32 bdf, u32 off) { outl(0xcf8, cfg_addr(bdf, off)); return inl(0xcfc); }
static void cfg_write32(u32 bdf, u32 off, u32 v) { outl(0xcf8, cfg_addr(bdf, off)); outl(0xcfc, v); }
static u16 cfg_read16(u32 bdf, u32 off) { return (u16)(cfg_read32(bdf, off) >> ((off & 2) * 8)); }
static void cfg_write16(u32 bdf, u32 off, u16 v)
{
	u32 shift = (off & 2) * 8;
	u32 d = cfg_read32(bdf, off);
	d = (d & ~(0xffffu << shift)) | ((u32)v << shift);
	cfg_write32(bdf, off, d);
}

struct msix_dev {
	const char *name;
	u32 bdf;
	u32 cap;        /* config offset of the MSI-X capability */
	u32 table;      /* guest-physical address of the table */
	u32 pba;
	u32 entries;    /* table size */
	u32 nvec;       /* entries this run drives */
};

static const struct { u16 vendor, device; const char *name; } wanted[] = {
	{ 0x8086, 0x10d3, "e1000e" },
	{ 0x1af4, 0x1000, "virtio-net" },   /* transitional */
	{ 0x1af4, 0x1041, "virtio-net" },   /* modern only */
	{ 0x1b36, 0x0010, "nvme" },
};

static u32 find_cap(u32 bdf, u8 id)
{
	if (!(cfg_read16(bdf, PCI_STATUS) & PCI_STATUS_CAP_LIST)) return 0;
	u32 pos = cfg_read32(bdf, PCI_CAPABILITY_LIST) & 0xfc;
	for (int guard = 0; pos && guard < 48; guard++) {
		u32 hdr = cfg_read32(bdf, pos);
		if ((hdr & 0xff) == id) return pos;
		pos = (hdr >> 8) & 0xfc;
	}
	return 0;
}

/* Guest-physical base of a memory BAR, or 0 when it is I/O, unassigned or above 4 GiB (out of
 * reach without paging). */
static u32 bar_base(u32 bdf, u32 bir)
{
	u32 lo = cfg_read32(bdf, 0x10 + 4 * bir);
	if (lo & 1) return 0;
	if (((lo >> 1) & 3) == 2 && cfg_read32(bdf, 0x10 + 4 * bir + 4) != 0) return 0;
	return lo & ~0xfu;
}

static int probe(u32 bdf, const char *name, u32 want_vec, struct msix_dev *d)
{
	u32 cap = find_cap(bdf, PCI_CAP_ID_MSIX);
	if (!cap) return 0;
	u16 flags = cfg_read16(bdf, cap + MSIX_FLAGS);
	u32 tab = cfg_read32(bdf, cap + MSIX_TABLE), pba = cfg_read32(bdf, cap + MSIX_PBA);
	u32 tbase = bar_base(bdf, tab & 7), pbase = bar_base(bdf, pba & 7);
	if (!tbase || !pbase) {
		puts_dbg("msix-guest: skip ");
		puts_dbg(name);
		puts_dbg(": BAR not reachable\n");
		return 0;
	}
	d->name = name;
	d->bdf = bdf;
	d->cap = cap;
	d->table = tbase + (tab & ~7u);
	d->pba = pbase + (pba & ~7u);
	d->entries = (flags & MSIX_FLAGS_QSIZE) + 1u;
	d->nvec = want_vec < d->entries ? want_vec : d->entries;
	/* Memory decoding and bus mastering, as pci_enable_device + pci_set_master leave them. */
	cfg_write16(bdf, PCI_COMMAND, cfg_read16(bdf, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	puts_dbg("msix-guest: ");
	puts_dbg(name);
	puts_dbg(" bdf ");
	puthex(bdf);
	puts_dbg(" table ");
	puthex(d->table);
	puts_dbg(" entries ");
	putdec(d->entries);
	puts_dbg(" pba ");
	puthex(d->pba);
	puts_dbg("\n");
	return 1;
}

static u32 entry(const struct msix_dev *d, u32 i, u32 field) { return d->table + i * ENTRY_SIZE + field; }

/* __pci_write_msi_msg for MSI-X: three writes, then read the data word back so the writes reach
 * the device before anything depends on them. */
static void write_msg(const struct msix_dev *d, u32 i, u32 addr_lo, u32 data)
{
	writel(addr_lo, entry(d, i, ENTRY_LOWER_ADDR));
	writel(0, entry(d, i, ENTRY_UPPER_ADDR));
	writel(data, entry(d, i, ENTRY_DATA));
	(void)readl(entry(d, i, ENTRY_DATA));
}

/* pci_msix_mask: set the mask bit, flush with a read of the table base. */
static void mask(const struct msix_dev *d, u32 i)
{
	writel(ENTRY_CTRL_MASKBIT, entry(d, i, ENTRY_VECTOR_CTRL));
	(void)readl(d->table);
}

/* pci_msix_unmask: clear the mask bit; Linux does not flush here. */
static void unmask(const struct msix_dev *d, u32 i) { writel(0, entry(d, i, ENTRY_VECTOR_CTRL)); }

static u32 msg_addr(u32 cpu) { return 0xfee00000u | (cpu << 12) | 0x4; }

/* msix_capability_init and the irq activation that follows it. */
static void enable(const struct msix_dev *d)
{
	u16 flags = cfg_read16(d->bdf, d->cap + MSIX_FLAGS);
	cfg_write16(d->bdf, d->cap + MSIX_FLAGS, flags | MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
	for (u32 i = 0; i < d->nvec; i++) (void)readl(entry(d, i, ENTRY_VECTOR_CTRL));
	for (u32 i = 0; i < d->nvec; i++) write_msg(d, i, msg_addr(0), 0xef);
	for (u32 i = 0; i < d->entries; i++) writel(ENTRY_CTRL_MASKBIT, entry(d, i, ENTRY_VECTOR_CTRL));
	cfg_write16(d->bdf, d->cap + MSIX_FLAGS, (flags | MSIX_FLAGS_ENABLE) & ~MSIX_FLAGS_MASKALL);
	for (u32 i = 0; i < d->nvec; i++) {
		write_msg(d, i, msg_addr(0), 0x20 + i);
		unmask(d, i);
	}
}

/* One round: each vector is masked, retargeted (as an affinity change does) and unmasked; then one
 * 8-byte read of the PBA and of entry 0's address, the widths a 64-bit driver would use. */
static void round_trip(const struct msix_dev *d, u32 round)
{
	for (u32 i = 0; i < d->nvec; i++) {
		mask(d, i);
		write_msg(d, i, msg_addr((round + i) & 1), 0x20 + ((round * 7 + i) & 0x7f));
		unmask(d, i);
	}
	u32 hi;
	(void)mmio_read64((volatile void *)d->pba, &hi);
	(void)mmio_read64((volatile void *)entry(d, 0, ENTRY_LOWER_ADDR), &hi);
}

/* pci_msix_shutdown / free_irq: mask, clear the message, disable MSI-X. */
static void disable(const struct msix_dev *d)
{
	for (u32 i = 0; i < d->nvec; i++) {
		mask(d, i);
		write_msg(d, i, 0, 0);
	}
	u16 flags = cfg_read16(d->bdf, d->cap + MSIX_FLAGS);
	cfg_write16(d->bdf, d->cap + MSIX_FLAGS, flags & ~MSIX_FLAGS_ENABLE);
}

static u32 parse_opt(const char *cmdline, const char *key, u32 dflt)
{
	if (!cmdline) return dflt;
	for (const char *p = cmdline; *p; p++) {
		if (p != cmdline && p[-1] != ' ') continue;
		const char *k = key, *q = p;
		while (*k && *q == *k) { k++; q++; }
		if (*k || *q != '=') continue;
		u32 v = 0;
		for (q++; *q >= '0' && *q <= '9'; q++) v = v * 10 + (u32)(*q - '0');
		return v;
	}
	return dflt;
}

#define MAX_DEVS 8

static struct msix_dev devs[MAX_DEVS];
static u32 ndev, rounds;

/* Finds the devices (configuration space only, no MMIO yet), says "ready" and returns to the halt
 * loop: the host takes its memory map and starts its tracers, then sends an NMI. */
void guest_main(u32 magic, const u32 *mbi);
void guest_run(void);

void guest_main(u32 magic, const u32 *mbi)
{
	const char *cmdline = 0;
	if (magic == 0x2BADB002u && (mbi[0] & 4)) cmdline = (const char *)mbi[4];
	rounds = parse_opt(cmdline, "rounds", 4);
	u32 vectors = parse_opt(cmdline, "vectors", 3);
	if (!vectors) vectors = 1;

	for (u32 dev = 0; dev < 32 && ndev < MAX_DEVS; dev++) {
		u32 bdf = dev << 3;
		u32 id = cfg_read32(bdf, 0);
		if ((id & 0xffff) == 0xffff) continue;
		for (u32 w = 0; w < sizeof wanted / sizeof wanted[0]; w++)
			if ((id & 0xffff) == wanted[w].vendor && (id >> 16) == wanted[w].device)
				ndev += (u32)probe(bdf, wanted[w].name, vectors, &devs[ndev]);
	}
	if (!ndev) {
		puts_dbg("msix-guest: no MSI-X device found\n");
		finish(EXIT_FAIL);
	}
	puts_dbg("msix-guest: ready\n");
}

/* Entered from the NMI handler: all MSI-X traffic of the run happens here. */
void guest_run(void)
{
	puts_dbg("msix-guest: start\n");
	for (u32 i = 0; i < ndev; i++) enable(&devs[i]);
	puts_dbg("msix-guest: rounds ");
	putdec(rounds);
	puts_dbg("\n");
	for (u32 r = 0; r < rounds; r++)
		for (u32 i = 0; i < ndev; i++) round_trip(&devs[i], r);
	for (u32 i = 0; i < ndev; i++) disable(&devs[i]);
	finish(EXIT_OK);
}
