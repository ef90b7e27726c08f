/*
 * Crafts skiff images in memory for the loader tests: a valid image by
 * default (text, data, a PT_NOTE with the ABI and manifest notes) whose
 * headers a test can bend before serialising it.
 */
#ifndef SKIFF_TEST_ELF_BUILDER_H
#define SKIFF_TEST_ELF_BUILDER_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "skiff/abi.h"

#define TB_MAX_PH     40
#define TB_FILE_SIZE  0x4000u
#define TB_TEXT_OFF   0x1000u
#define TB_NOTE_OFF   0x2000u
#define TB_DATA_OFF   0x3000u
#define TB_TEXT_VADDR 0x100000u
#define TB_DATA_VADDR 0x102000u

/* Indices of the default program headers. */
enum { TB_PH_TEXT, TB_PH_DATA, TB_PH_NOTE, TB_PH_DEFAULT_COUNT };

struct test_image {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[TB_MAX_PH];
    unsigned phnum;
    uint8_t notes[TB_DATA_OFF - TB_NOTE_OFF]; /* PT_NOTE contents */
    size_t notes_len;
    size_t file_len; /* bytes written by tb_write (default TB_FILE_SIZE) */
};

/* A valid spt image with NICs "wan" and "lan". */
void tb_init(struct test_image *t);

/* Drop every note (the PT_NOTE then covers nothing until notes are added). */
void tb_clear_notes(struct test_image *t);

/* Append a note padded to 4 bytes; updates the PT_NOTE size. */
void tb_add_note(struct test_image *t, const char *name, uint32_t namesz, uint32_t type,
                 const void *desc, uint32_t descsz);

void tb_add_abi(struct test_image *t, uint32_t target, uint32_t version);
void tb_add_manifest(struct test_image *t, const struct skiff_manifest *m);

/* The default manifest (wan, lan). */
void tb_default_manifest(struct skiff_manifest *m);

/* Serialise into buf (at least TB_FILE_SIZE bytes); returns file_len. */
size_t tb_write(const struct test_image *t, uint8_t *buf);

#endif
