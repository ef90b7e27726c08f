/*
 * Solo5-compatible application manifest ("MFT1" note): the devices an image
 * uses, written by `solo5-elftool gen-manifest` from manifest.json and read
 * by skiff's tender. The binary layout is Solo5's, so a manifest built with
 * Solo5's tools works unchanged. C11 + <stdbool.h>/<stddef.h>/<stdint.h>.
 */
#ifndef MFT_ABI_H
#define MFT_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MFT_VERSION 1

typedef enum mft_type {
    MFT_DEV_BLOCK_BASIC = 1,
    MFT_DEV_NET_BASIC,
    MFT_RESERVED_FIRST = (1U << 30)
} mft_type_t;

struct mft_block_basic {
    uint64_t capacity;
    uint16_t block_size;
};

struct mft_net_basic {
    uint8_t mac[6];
    uint16_t mtu;
};

#define MFT_NAME_SIZE 68 /* bytes, including the NUL */
#define MFT_NAME_MAX  67 /* characters */

/* One device. The tender fills u, b and attached in its own copy; in the
 * image they are zero. */
struct mft_entry {
    char name[MFT_NAME_SIZE];
    mft_type_t type;
    union {
        struct mft_block_basic block_basic;
        struct mft_net_basic net_basic;
    } u;
    union {
        int hostfd;
        void *data;
    } b;
    bool attached;
};
_Static_assert(sizeof(struct mft_entry) == 104, "mft_entry layout");

/* Entries, the first being the reserved one gen-manifest always adds: so an
 * image declares at most MFT_MAX_ENTRIES - 1 devices. */
#define MFT_MAX_ENTRIES 64

/* Defined by the generated manifest source to size the array; readers
 * leave it undefined (a flexible array). */
#ifndef MFT_ENTRIES
#define MFT_ENTRIES
#else
_Static_assert(MFT_ENTRIES <= MFT_MAX_ENTRIES, "MFT_ENTRIES out of range");
#endif

struct mft {
    uint32_t version;
    uint32_t entries;
    struct mft_entry e[MFT_ENTRIES];
};

#define MFT1_NOTE_NAME "Solo5"
#define MFT1_NOTE_TYPE 0x3154464du /* "MFT1", little endian */

struct mft1_nhdr {
    uint32_t n_namesz;
    uint32_t n_descsz;
    uint32_t n_type;
    char n_name[(sizeof(MFT1_NOTE_NAME) + 3) & -4];
};
_Static_assert(sizeof(struct mft1_nhdr) == 20, "mft1_nhdr layout");

/* The 20-byte header is followed by 4 bytes of padding, then struct mft
 * (8-byte aligned): the descriptor is padding + manifest. */
struct mft1_note {
    struct mft1_nhdr h;
    struct mft m;
};

#define MFT1_NOTE_ALIGN _Alignof(struct mft)
#define MFT1_NOTE_MAX_SIZE                                                                         \
    ((sizeof(struct mft1_note) - sizeof(struct mft1_nhdr)) +                                       \
     (MFT_MAX_ENTRIES * sizeof(struct mft_entry)))

#define MFT1_NOTE_DECLARE_BEGIN                                                                    \
    const struct mft1_note __solo5_mft1_note                                                       \
        __attribute__((section(".note.solo5.manifest"), aligned(4), used)) = {                     \
            .h = { .n_namesz = sizeof(MFT1_NOTE_NAME),                                             \
                   .n_descsz = (sizeof(struct mft1_note) - sizeof(struct mft1_nhdr)),              \
                   .n_type = MFT1_NOTE_TYPE,                                                       \
                   .n_name = MFT1_NOTE_NAME },                                                     \
            .m =
#define MFT1_NOTE_DECLARE_END                                                                      \
    }                                                                                              \
    ;

#endif /* MFT_ABI_H */
