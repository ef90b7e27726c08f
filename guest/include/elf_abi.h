/*
 * Solo5-compatible image ABI note ("ABI1"), as skiff's toolchain writes it
 * and skiff's tender and solo5-elftool read it. The binary layout is Solo5's
 * (owner "Solo5", type "ABI1", a 16-byte descriptor) so tools on either side
 * can read the other's images; the values skiff writes are its own (see
 * docs/solo5-compat.md). C11 + <stddef.h>/<stdint.h> only.
 */
#ifndef ELF_ABI_H
#define ELF_ABI_H

#include <stddef.h>
#include <stdint.h>

/* Targets (Solo5's numbering; skiff runs hvt and spt). */
enum abi_target {
    HVT_ABI_TARGET = 1,
    SPT_ABI_TARGET,
    VIRTIO_ABI_TARGET,
    MUEN_ABI_TARGET,
    GENODE_ABI_TARGET,
    XEN_ABI_TARGET
};

#define ABI1_NOTE_NAME "Solo5"
#define ABI1_NOTE_TYPE 0x31494241u /* "ABI1", little endian */

/* Note header: sizes, type, owner name padded to 4 bytes. */
struct abi1_nhdr {
    uint32_t n_namesz;
    uint32_t n_descsz;
    uint32_t n_type;
    char n_name[(sizeof(ABI1_NOTE_NAME) + 3) & -4];
};
_Static_assert(sizeof(struct abi1_nhdr) == 20, "abi1_nhdr layout");

/* The descriptor. */
struct abi1_info {
    uint32_t abi_target;  /* enum abi_target */
    uint32_t abi_version; /* per-target version */
    uint32_t reserved0;
    uint32_t reserved1;
};
_Static_assert(sizeof(struct abi1_info) == 16, "abi1_info layout");

struct abi1_note {
    struct abi1_nhdr h;
    struct abi1_info i;
};

/* Alignment of the descriptor inside the note (for readers). */
#define ABI1_NOTE_ALIGN _Alignof(struct abi1_info)
/* Largest descriptor a reader accepts. */
#define ABI1_NOTE_MAX_SIZE                                                                         \
    (sizeof(struct abi1_note) - sizeof(struct abi1_nhdr) + sizeof(struct abi1_info))

/* Declare the image's ABI note: ABI1_NOTE_DECLARE_BEGIN { .abi_target = ...,
 * .abi_version = ... } ABI1_NOTE_DECLARE_END */
#define ABI1_NOTE_DECLARE_BEGIN                                                                    \
    const struct abi1_note __solo5_abi1_note                                                       \
        __attribute__((section(".note.solo5.abi"), aligned(4), used)) = {                          \
            .h = { .n_namesz = sizeof(ABI1_NOTE_NAME),                                             \
                   .n_descsz = (sizeof(struct abi1_note) - sizeof(struct abi1_nhdr)),              \
                   .n_type = ABI1_NOTE_TYPE,                                                       \
                   .n_name = ABI1_NOTE_NAME },                                                     \
            .i =
#define ABI1_NOTE_DECLARE_END                                                                      \
    }                                                                                              \
    ;

/* PT_INTERP contents of every image: a path that cannot exist, so a host
 * kernel refuses to run an image by mistake. The trailing slash keeps even
 * a file named /nonexistent/solo5 from being used. */
#define SOLO5_INTERP "/nonexistent/solo5/"
#define DECLARE_ELF_INTERP                                                                         \
    const char __solo5_interp[] __attribute__((section(".interp"), used)) = SOLO5_INTERP;

/* skiff's ABI versions, carried with Solo5's target numbers. Chosen far from
 * Solo5's own small versions: Solo5's tenders refuse skiff images as an
 * "ABI version mismatch", and skiff refuses images linked with Solo5's own
 * bindings (whose versions are small) with a message saying so. */
#define SKIFF_SOLO5_ABI_VERSION_BASE 0x534b0000u /* "SK" */

#endif /* ELF_ABI_H */
