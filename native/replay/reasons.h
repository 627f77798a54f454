/* Reason codes of the decision byte (bits 3-7 of MSX_DECISION), with their --explain texts.
 * At most 32 codes. The order is part of the decision-byte format: append, do not renumber. */
#ifndef MSX_REASONS_H
#define MSX_REASONS_H

#define MSX_REASON_LIST(X)                                                                                      \
    X(MSX_R_FORWARD_ALL, "no interception: every table/PBA access goes to the device model")                   \
    X(MSX_R_NOT_REGISTERED, "table not registered yet (no bind)")                                               \
    X(MSX_R_OUTSIDE_TABLE, "outside the table: in qemu's trapped region but no entry there")                   \
    X(MSX_R_PAGE_UNBOUND, "no bound entry on this 4 KiB page (no fixmap slot)")                                 \
    X(MSX_R_NO_MSI_DESC, "entry not bound: Xen has no msi_desc for it")                                         \
    X(MSX_R_SIZE_GATE, "size or alignment gate")                                                                \
    X(MSX_R_NO_READ_EMUL, "addr/data reads are not emulated before 4.1")                                        \
    X(MSX_R_CTRL_READ_HW, "vector_ctrl read served from the hardware entry")                                    \
    X(MSX_R_CTRL_READ_GM, "vector_ctrl read served from the guest mask bit")                                    \
    X(MSX_R_CACHE_READ, "addr/data read served from the snoop cache")                                           \
    X(MSX_R_CACHE_ENTRY_GE3, "entry >= 3: not in the snoop cache")                                              \
    X(MSX_R_CACHE_INVALID, "snoop cache slot not valid: Xen saw no write to it")                                \
    X(MSX_R_ADDR_WRITE, "addr/data write: Xen notes the change (F), forwarded")                                 \
    X(MSX_R_CTRL_WRITE_HW, "vector_ctrl write absorbed: Xen writes the mask bit to hardware")                   \
    X(MSX_R_CTRL_WRITE_DROP, "vector_ctrl write absorbed and discarded (mask bit not guest-writable)")          \
    X(MSX_R_CTRL_AFTER_ADDR, "vector_ctrl write after address change forwarded (F cleared)")                    \
    X(MSX_R_UNMASK_DEFERRED, "unmask after address change forwarded; Xen unmasks at completion")                \
    X(MSX_R_MASK_KEEPS_F, "masking write absorbed, F stays set")                                                \
    X(MSX_R_CTRL_WRITE_GM, "vector_ctrl write absorbed: Xen sets the guest mask bit")                           \
    X(MSX_R_QWORD_MASK_BOTH, "qword write at data: snooped, mask applied by Xen, then forwarded")               \
    X(MSX_R_QWORD_UNMASK_BUG, "qword unmask forwarded; deferred unmask aimed at the data word (4.6.0 bug, lost)") \
    X(MSX_R_D5_SNOOP, "unmask of an entry Xen does not accept: snooped and forwarded; Xen unmasks if qemu binds it") \
    X(MSX_R_E_TABLE_WRITE, "table write handled by Xen and forwarded too (4.19)")                               \
    X(MSX_R_E_ADJ_READ, "adjacent read on the table's page served by Xen")                                      \
    X(MSX_R_E_ADJ_WRITE, "adjacent write handled by Xen and forwarded too")                                     \
    X(MSX_R_E_UNALIGNED_DROP, "unaligned write dropped by Xen")                                                 \
    X(MSX_R_PBA_TABLE_PAGE, "PBA on the table's page: in qemu's region, not in the table")                     \
    X(MSX_R_PBA_OWN_PAGE, "PBA on its own page: direct-mapped, never exits")                                    \
    X(MSX_R_PBA_RO_CRASH, "PBA write on its own page hits a read-only page: guest crashed")                    \
    X(MSX_R_VPCI, "vPCI emulates the whole table")                                                              \
    X(MSX_R_VPCI_NOOP, "vPCI size or alignment gate: absorbed as a no-op")                                      \
    X(MSX_R_VPCI_PBA, "vPCI handles the PBA and adjacent addresses itself")

#define MSX_REASON_ENUM(name, text) name,
enum msx_reason { MSX_REASON_LIST(MSX_REASON_ENUM) MSX_REASONS };
#undef MSX_REASON_ENUM

#endif
