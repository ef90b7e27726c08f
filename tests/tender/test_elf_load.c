/*
 * Loader tests: one crafted image per error path of skiff_elf_parse(), plus
 * the accepted variants. Each image is parsed from an exactly sized heap
 * buffer so the sanitizers catch any read past the file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf_builder.h"
#include "elf_abi.h"
#include "core/elf_load.h"
#include "core/layout.h"

#define MEM (64ull << 20)

static struct skiff_image img;
static char err[256];

static int parse_mem_target(const struct test_image *t, uint64_t mem, uint32_t target)
{
    static uint8_t buf[TB_FILE_SIZE];
    size_t len = tb_write(t, buf);
    uint8_t *exact = malloc(len ? len : 1);
    assert_non_null(exact);
    memcpy(exact, buf, len);
    int r = skiff_elf_parse(exact, len, mem, target, &img, err, sizeof err);
    free(exact);
    return r;
}

static int parse(const struct test_image *t)
{
    return parse_mem_target(t, MEM, SKIFF_TARGET_SPT);
}

static void expect_error(const struct test_image *t, const char *needle)
{
    assert_int_equal(parse(t), -1);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
    assert_null(strchr(err, '\n')); /* one line */
}

/* --------------------------------------------------------------- accepted */

static void test_valid(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    assert_int_equal(parse(&t), 0);
    assert_int_equal(img.entry, TB_TEXT_VADDR + 4);
    assert_int_equal(img.seg_count, 2);
    assert_int_equal(img.lo, TB_TEXT_VADDR);
    assert_int_equal(img.hi, TB_DATA_VADDR + 0x2000);
    assert_int_equal(img.segs[0].flags, SKIFF_SEG_R | SKIFF_SEG_X);
    assert_int_equal(img.segs[1].memsz, 0x2000);
    assert_int_equal(img.manifest.nic_count, 2);
    assert_string_equal(img.manifest.nics[0].name, "wan");
    assert_string_equal(img.manifest.nics[1].name, "lan");
    assert_int_equal(img.abi.target, SKIFF_TARGET_SPT);
}

static void test_foreign_note_ignored(void **state)
{
    (void)state;
    struct test_image t;
    struct skiff_manifest m;
    uint8_t id[20] = { 1, 2, 3 };
    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_note(&t, "GNU", 4, NT_GNU_BUILD_ID, id, sizeof id);
    tb_add_abi(&t, SKIFF_TARGET_SPT, SKIFF_ABI_VERSION);
    tb_default_manifest(&m);
    tb_add_manifest(&t, &m);
    /* A "Skiff" owner with another name length is someone else's note. */
    tb_add_note(&t, "Skiff2", 7, SKIFF_NOTE_ABI, id, 3);
    assert_int_equal(parse(&t), 0);
}

static void test_empty_load_ignored(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.ph[t.phnum] = t.ph[TB_PH_DATA];
    t.ph[t.phnum].p_vaddr = 0; /* would be below the minimum, but empty */
    t.ph[t.phnum].p_filesz = t.ph[t.phnum].p_memsz = 0;
    t.eh.e_phnum = (uint16_t)++t.phnum;
    assert_int_equal(parse(&t), 0);
    assert_int_equal(img.seg_count, 2);
}

static void test_zero_nics(void **state)
{
    (void)state;
    struct test_image t;
    struct skiff_manifest m = { .version = SKIFF_MANIFEST_VERSION };
    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_abi(&t, SKIFF_TARGET_SPT, SKIFF_ABI_VERSION);
    tb_add_manifest(&t, &m);
    assert_int_equal(parse(&t), 0);
    assert_int_equal(img.manifest.nic_count, 0);
}

static void test_last_note_unpadded(void **state)
{
    (void)state;
    struct test_image t;
    uint8_t three[3] = { 1, 2, 3 };
    tb_init(&t);
    tb_add_note(&t, "X", 2, 1, three, 3);
    t.ph[TB_PH_NOTE].p_filesz -= 1; /* drop the final padding byte */
    assert_int_equal(parse(&t), 0);
}

static void test_notes_align8(void **state)
{
    (void)state;
    struct test_image t;
    struct skiff_manifest m;
    tb_init(&t);
    tb_clear_notes(&t);
    /* 8-byte note alignment: name "Skiff\0" pads to 8, descs are 8-multiples */
    uint8_t *p = t.notes;
    uint32_t h1[3] = { 6, 8, SKIFF_NOTE_ABI };
    struct skiff_abi_note abi = { SKIFF_TARGET_SPT, SKIFF_ABI_VERSION };
    memcpy(p, h1, 12);
    memcpy(p + 12, "Skiff", 6);
    memcpy(p + 12 + 8, &abi, 8);
    p += 12 + 8 + 8;
    tb_default_manifest(&m);
    uint32_t h2[3] = { 6, sizeof m, SKIFF_NOTE_MANIFEST };
    memcpy(p, h2, 12);
    memcpy(p + 12, "Skiff", 6);
    memcpy(p + 12 + 8, &m, sizeof m);
    p += 12 + 8 + sizeof m;
    t.notes_len = (size_t)(p - t.notes);
    t.ph[TB_PH_NOTE].p_filesz = t.notes_len;
    t.ph[TB_PH_NOTE].p_align = 8;
    assert_int_equal(parse(&t), 0);
    assert_int_equal(img.manifest.nic_count, 2);
}

/* ------------------------------------------------------------- ELF header */

static void test_short_file(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.file_len = sizeof(Elf64_Ehdr) - 1;
    expect_error(&t, "too short");
    t.file_len = 0;
    expect_error(&t, "too short");
}

static void test_ident(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.eh.e_ident[EI_MAG1] = 'X';
    expect_error(&t, "not an ELF");
    tb_init(&t);
    t.eh.e_ident[EI_CLASS] = ELFCLASS32;
    expect_error(&t, "64-bit");
    tb_init(&t);
    t.eh.e_ident[EI_DATA] = ELFDATA2MSB;
    expect_error(&t, "little-endian");
    tb_init(&t);
    t.eh.e_ident[EI_VERSION] = 2;
    expect_error(&t, "ELF version");
    tb_init(&t);
    t.eh.e_version = 0;
    expect_error(&t, "ELF version");
}

static void test_machine_type(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.eh.e_machine = EM_AARCH64;
    expect_error(&t, "x86_64");
    tb_init(&t);
    t.eh.e_type = ET_DYN;
    expect_error(&t, "static executable");
    tb_init(&t);
    t.eh.e_type = ET_REL;
    expect_error(&t, "static executable");
}

static void test_header_sizes(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.eh.e_ehsize = 52;
    expect_error(&t, "ELF header size");
    tb_init(&t);
    t.eh.e_phentsize = 32;
    expect_error(&t, "program header size");
}

static void test_phdr_count_and_bounds(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.eh.e_phnum = 0;
    expect_error(&t, "no program headers");
    tb_init(&t);
    t.eh.e_phnum = SKIFF_ELF_MAX_PHDRS + 1;
    expect_error(&t, "program headers (at most");
    tb_init(&t);
    t.eh.e_phnum = 0xffff; /* PN_XNUM */
    expect_error(&t, "program headers (at most");
    tb_init(&t);
    t.eh.e_phoff = TB_FILE_SIZE - 8;
    expect_error(&t, "outside the file");
    tb_init(&t);
    t.eh.e_phoff = UINT64_MAX - 16; /* offset + size overflows */
    expect_error(&t, "outside the file");
}

static void test_dynamic(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.ph[t.phnum] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = 0x100, .p_filesz = 8 };
    t.eh.e_phnum = (uint16_t)++t.phnum;
    expect_error(&t, "dynamically linked");
    tb_init(&t);
    t.ph[t.phnum] = (Elf64_Phdr){ .p_type = PT_DYNAMIC };
    t.eh.e_phnum = (uint16_t)++t.phnum;
    expect_error(&t, "dynamically linked");
}

/* ------------------------------------------------------------------ notes */

static void test_note_segment_bounds(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.ph[TB_PH_NOTE].p_offset = TB_FILE_SIZE - 4;
    expect_error(&t, "PT_NOTE segment 2 lies outside");
    tb_init(&t);
    t.ph[TB_PH_NOTE].p_filesz = UINT64_MAX;
    expect_error(&t, "PT_NOTE segment 2 lies outside");
}

static void test_note_truncated(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.ph[TB_PH_NOTE].p_filesz = 8;
    expect_error(&t, "truncated note header");
    tb_init(&t);
    t.ph[TB_PH_NOTE].p_filesz = 12 + 8 + 4; /* ABI note cut short */
    expect_error(&t, "runs past");
}

static void test_note_huge_sizes(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    uint32_t big = 0xffffffffu;
    memcpy(t.notes + 4, &big, 4); /* descsz of the first note */
    expect_error(&t, "runs past");
    tb_init(&t);
    memcpy(t.notes, &big, 4); /* namesz */
    expect_error(&t, "runs past");
}

static void test_abi_note_errors(void **state)
{
    (void)state;
    struct test_image t;
    struct skiff_manifest m;
    uint8_t blob[16] = { 0 };
    tb_default_manifest(&m);

    tb_init(&t);
    tb_add_abi(&t, SKIFF_TARGET_SPT, SKIFF_ABI_VERSION);
    expect_error(&t, "more than one Skiff ABI note");

    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_note(&t, SKIFF_NOTE_NAME, 6, SKIFF_NOTE_ABI, blob, 4);
    expect_error(&t, "ABI note is 4 bytes");
    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_note(&t, SKIFF_NOTE_NAME, 6, SKIFF_NOTE_ABI, blob, 16);
    expect_error(&t, "ABI note is 16 bytes");

    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_manifest(&t, &m);
    expect_error(&t, "No Solo5 ABI information found in executable");

    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_abi(&t, SKIFF_TARGET_SPT, SKIFF_ABI_VERSION + 1);
    tb_add_manifest(&t, &m);
    char want[48];
    snprintf(want, sizeof want, "supports version %u", SKIFF_ABI_VERSION);
    expect_error(&t, want);

    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_abi(&t, SKIFF_TARGET_HVT, SKIFF_ABI_VERSION);
    tb_add_manifest(&t, &m);
    expect_error(&t, "built for target hvt");
    tb_init(&t);
    assert_int_equal(parse_mem_target(&t, MEM, SKIFF_TARGET_HVT), -1);
    assert_non_null(strstr(err, "target spt"));

    tb_init(&t);
    tb_add_note(&t, SKIFF_NOTE_NAME, 6, 0x534b0099u, blob, 8);
    expect_error(&t, "unknown Skiff note type");

    /* SKIFF_TARGET_ANY: any runnable target, the note tells which. */
    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_abi(&t, SKIFF_TARGET_HVT, SKIFF_ABI_VERSION);
    tb_add_manifest(&t, &m);
    assert_int_equal(parse_mem_target(&t, MEM, SKIFF_TARGET_ANY), 0);
    assert_int_equal(img.abi.target, SKIFF_TARGET_HVT);
    tb_init(&t);
    assert_int_equal(parse_mem_target(&t, MEM, SKIFF_TARGET_ANY), 0);
    assert_int_equal(img.abi.target, SKIFF_TARGET_SPT);
    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_abi(&t, 7, SKIFF_ABI_VERSION);
    tb_add_manifest(&t, &m);
    assert_int_equal(parse_mem_target(&t, MEM, SKIFF_TARGET_ANY), -1);
    assert_non_null(strstr(err, "unknown target 7"));
}

static void test_manifest_note_errors(void **state)
{
    (void)state;
    struct test_image t;
    struct skiff_manifest m;
    tb_default_manifest(&m);

    tb_init(&t);
    tb_add_manifest(&t, &m);
    expect_error(&t, "more than one Skiff manifest");

    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_abi(&t, SKIFF_TARGET_SPT, SKIFF_ABI_VERSION);
    tb_add_note(&t, SKIFF_NOTE_NAME, 6, SKIFF_NOTE_MANIFEST, &m, sizeof m - 40);
    expect_error(&t, "manifest note is 288 bytes");

    uint8_t big[sizeof m + 8];
    memset(big, 0, sizeof big);
    memcpy(big, &m, sizeof m);
    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_abi(&t, SKIFF_TARGET_SPT, SKIFF_ABI_VERSION);
    tb_add_note(&t, SKIFF_NOTE_NAME, 6, SKIFF_NOTE_MANIFEST, big, sizeof big);
    expect_error(&t, "manifest note is 336 bytes");

    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_abi(&t, SKIFF_TARGET_SPT, SKIFF_ABI_VERSION);
    expect_error(&t, "No Solo5 manifest found in executable");
}

static void expect_manifest_error(struct skiff_manifest *m, const char *needle)
{
    struct test_image t;
    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_abi(&t, SKIFF_TARGET_SPT, SKIFF_ABI_VERSION);
    tb_add_manifest(&t, m);
    expect_error(&t, needle);
}

static void test_manifest_contents(void **state)
{
    (void)state;
    struct skiff_manifest m;

    tb_default_manifest(&m);
    m.version = 2;
    expect_manifest_error(&m, "manifest version 2");

    tb_default_manifest(&m);
    m.nic_count = SKIFF_MAX_NICS + 1;
    expect_manifest_error(&m, "declares 9 NICs");

    tb_default_manifest(&m);
    m.nic_count = UINT32_MAX;
    expect_manifest_error(&m, "NICs (at most");

    tb_default_manifest(&m);
    m.nics[1].name[0] = '\0';
    expect_manifest_error(&m, "NIC 1 has an invalid name");

    tb_default_manifest(&m);
    strcpy(m.nics[0].name, "wan-0");
    expect_manifest_error(&m, "NIC 0 has an invalid name");

    tb_default_manifest(&m);
    memset(m.nics[0].name, 'a', sizeof m.nics[0].name); /* no NUL */
    expect_manifest_error(&m, "NIC 0 has an invalid name");

    tb_default_manifest(&m);
    strcpy(m.nics[1].name, "wan");
    expect_manifest_error(&m, "names NIC 'wan' twice");

    tb_default_manifest(&m);
    m.nics[0].flags = 0x4;
    expect_manifest_error(&m, "NIC 'wan' sets unknown flags 0x4");
    tb_default_manifest(&m);
    m.nics[1].flags = SKIFF_NIC_F_VNET | 0x80000000u;
    expect_manifest_error(&m, "NIC 'lan' sets unknown flags 0x80000000");
    tb_default_manifest(&m);
    m.nics[1].reserved = 7;
    expect_manifest_error(&m, "reserved fields");

    /* Entries past nic_count are not looked at. */
    tb_default_manifest(&m);
    m.nic_count = 1;
    strcpy(m.nics[1].name, "bad-name");
    struct test_image t;
    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_abi(&t, SKIFF_TARGET_SPT, SKIFF_ABI_VERSION);
    tb_add_manifest(&t, &m);
    assert_int_equal(parse(&t), 0);
}

/* Known NIC flags load; a vnet NIC reserves room for its larger rings. */
static void test_manifest_vnet(void **state)
{
    (void)state;
    struct skiff_manifest m;
    struct test_image t;

    tb_default_manifest(&m);
    m.nics[0].flags = SKIFF_NIC_F_VNET;
    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_abi(&t, SKIFF_TARGET_SPT, SKIFF_ABI_VERSION);
    tb_add_manifest(&t, &m);
    assert_int_equal(parse(&t), 0);
    assert_int_equal(img.manifest.nics[0].flags, SKIFF_NIC_F_VNET);
    assert_int_equal(img.manifest.nics[1].flags, 0);

    struct skiff_manifest plain;
    tb_default_manifest(&plain);
    assert_true(skiff_layout_reserve(&m, NULL) > skiff_layout_reserve(&plain, NULL));
    assert_true(skiff_layout_nic_bytes(SKIFF_NIC_F_VNET, 1500) >=
                2 * (uint64_t)SKIFF_VNET_SLOT_SIZE * SKIFF_VNET_SLOT_COUNT);
    assert_true(SKIFF_VNET_SLOT_SIZE >= 16 + 12 + 65535 + 14 + 4);
}

/* Plain rings are sized from the MTU: every frame of that MTU (with a VLAN
 * tag) fits a slot, 1,500 keeps the classic 1,024 x 2 KiB, jumbo MTUs get
 * fewer, larger slots, and the NIC's reservation grows with its MTU. */
static void test_ring_geometry(void **state)
{
    (void)state;
    static const uint32_t mtus[] = { 68, 576, 1500, 2000, 4000, 8000, 9000, 16110, 65521, 65535 };
    uint32_t size, count, prev_area = 0;
    for (size_t i = 0; i < sizeof mtus / sizeof mtus[0]; i++) {
        skiff_ring_geometry(mtus[i], &size, &count);
        assert_true(size >= SHMS_SLOT_MIN && size <= SHMS_SLOT_MAX);
        assert_true(size - 16u >= mtus[i] + 18u); /* slot header, frame + VLAN tag */
        assert_int_equal(size % SHMS_SLOT_ALIGN, 0);
        assert_true(size >= 2048);
        assert_true(count >= 128 && count <= 1024 && (count & (count - 1)) == 0);
        assert_true((uint64_t)size * count <= 8u * 1024 * 1024 || count == 128);
        uint32_t area = (uint32_t)skiff_layout_nic_bytes(0, mtus[i]);
        assert_true(area >= prev_area || mtus[i] > 8000); /* fewer slots past ~8 KiB */
        prev_area = area;
        print_message("MTU %5u: %4u slots of %5u bytes, %5u KiB per NIC\n", mtus[i], count, size,
                      area >> 10);
    }
    skiff_ring_geometry(1500, &size, &count);
    assert_int_equal(size, 2048);
    assert_int_equal(count, 1024);
    skiff_ring_geometry(9000, &size, &count);
    assert_int_equal(size, 9040);
    assert_int_equal(count, 512);
    /* A vnet NIC's area holds either geometry, at any MTU. */
    assert_true(skiff_layout_nic_bytes(SKIFF_NIC_F_VNET, 9000) >= skiff_layout_nic_bytes(0, 9000));
    struct skiff_manifest m;
    tb_default_manifest(&m);
    uint16_t jumbo[SKIFF_MAX_NICS] = { 9000, 9000, 9000, 9000, 9000, 9000, 9000, 9000 };
    assert_true(skiff_layout_reserve(&m, jumbo) > skiff_layout_reserve(&m, NULL));
}

/* --------------------------------------------------------------- segments */

static void test_segment_sizes(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.ph[TB_PH_DATA].p_filesz = t.ph[TB_PH_DATA].p_memsz + 1;
    expect_error(&t, "file size exceeds memory size");
    tb_init(&t);
    t.ph[TB_PH_DATA].p_offset = TB_FILE_SIZE - 8;
    expect_error(&t, "segment 1: data lies outside the file");
    tb_init(&t);
    t.ph[TB_PH_DATA].p_offset = UINT64_MAX - 4; /* offset + size overflows */
    expect_error(&t, "segment 1: data lies outside the file");
}

static void test_segment_addresses(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.ph[TB_PH_DATA].p_vaddr = 0x1000;
    t.ph[TB_PH_DATA].p_offset = 0x3000 - 0x2000; /* keep congruent */
    t.ph[TB_PH_DATA].p_filesz = 0;
    expect_error(&t, "below the load minimum");
    tb_init(&t);
    t.ph[TB_PH_DATA].p_vaddr = UINT64_MAX - 0xfff;
    t.ph[TB_PH_DATA].p_align = 0;
    expect_error(&t, "beyond any guest memory");
    tb_init(&t);
    t.ph[TB_PH_DATA].p_memsz = UINT64_MAX;
    expect_error(&t, "beyond any guest memory");
}

static void test_segment_alignment(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.ph[TB_PH_DATA].p_align = 0x1800;
    expect_error(&t, "bad alignment");
    tb_init(&t);
    t.ph[TB_PH_DATA].p_vaddr += 0x10; /* vaddr % align != offset % align */
    expect_error(&t, "bad alignment");
    tb_init(&t);
    t.ph[TB_PH_DATA].p_align = 1ull << 40;
    expect_error(&t, "bad alignment");
    /* 0 and 1 mean "no constraint" */
    tb_init(&t);
    t.ph[TB_PH_DATA].p_align = 1;
    t.ph[TB_PH_DATA].p_vaddr += 0x10;
    assert_int_equal(parse(&t), 0);
}

static void test_wx(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.ph[TB_PH_DATA].p_flags = PF_R | PF_W | PF_X;
    expect_error(&t, "both writable and executable");
    tb_init(&t);
    t.ph[TB_PH_TEXT].p_flags = PF_W | PF_X;
    expect_error(&t, "both writable and executable");
}

static void test_overlap(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.ph[TB_PH_DATA].p_vaddr = TB_TEXT_VADDR + 0x10;
    t.ph[TB_PH_DATA].p_align = 0;
    expect_error(&t, "overlaps");
    /* Distinct bytes but a shared page. */
    tb_init(&t);
    t.ph[TB_PH_DATA].p_vaddr = TB_TEXT_VADDR + 0x800;
    t.ph[TB_PH_DATA].p_align = 0;
    expect_error(&t, "shares a page");
    /* Data wrapping around text. */
    tb_init(&t);
    t.ph[TB_PH_TEXT].p_vaddr = TB_TEXT_VADDR + 0x4000;
    t.eh.e_entry = TB_TEXT_VADDR + 0x4000;
    t.ph[TB_PH_DATA].p_vaddr = TB_TEXT_VADDR;
    t.ph[TB_PH_DATA].p_memsz = 0x10000;
    expect_error(&t, "overlaps");
}

static void test_too_many_loads(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    for (unsigned i = 0; t.phnum < TB_PH_DEFAULT_COUNT + SKIFF_ELF_MAX_LOAD - 1; i++) {
        t.ph[t.phnum] = t.ph[TB_PH_DATA];
        t.ph[t.phnum].p_vaddr = 0x200000 + i * 0x10000ull;
        t.ph[t.phnum].p_memsz = 0x1000;
        t.phnum++;
    }
    t.eh.e_phnum = (uint16_t)t.phnum;
    expect_error(&t, "more than 16 loadable segments");
}

static void test_no_loads(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.ph[TB_PH_TEXT].p_type = PT_NULL;
    t.ph[TB_PH_DATA].p_type = PT_GNU_STACK;
    expect_error(&t, "no loadable segments");
}

static void test_memory_fit(void **state)
{
    (void)state;
    struct test_image t;
    struct skiff_manifest m;
    tb_default_manifest(&m);
    uint64_t reserve = skiff_layout_reserve(&m, NULL);

    tb_init(&t);
    t.ph[TB_PH_DATA].p_memsz = MEM - reserve - TB_DATA_VADDR; /* just fits */
    assert_int_equal(parse(&t), 0);
    t.ph[TB_PH_DATA].p_memsz += 1;
    expect_error(&t, "raise --mem");

    tb_init(&t);
    assert_int_equal(parse_mem_target(&t, reserve / 2, SKIFF_TARGET_SPT), -1);
    assert_non_null(strstr(err, "raise --mem"));
}

static void test_entry(void **state)
{
    (void)state;
    struct test_image t;
    tb_init(&t);
    t.eh.e_entry = TB_DATA_VADDR;
    expect_error(&t, "entry point");
    tb_init(&t);
    t.eh.e_entry = TB_TEXT_VADDR + 0x20; /* one past the end */
    expect_error(&t, "entry point");
    tb_init(&t);
    t.eh.e_entry = 0;
    expect_error(&t, "entry point");
    tb_init(&t);
    t.eh.e_entry = TB_TEXT_VADDR + 0x1f; /* last byte */
    assert_int_equal(parse(&t), 0);
}

static void test_target_names(void **state)
{
    (void)state;
    assert_string_equal(skiff_target_name(SKIFF_TARGET_SPT), "spt");
    assert_string_equal(skiff_target_name(SKIFF_TARGET_HVT), "hvt");
    assert_string_equal(skiff_target_name(77), "unknown");
}

/* ------------------------------------------------------ Solo5 image notes */

/* An image with Solo5's notes: ABI1 (target, version) and an MFT1 manifest
 * of the given devices ("n:" NET_BASIC, "b:" BLOCK_BASIC). */
static size_t mft_note_off; /* where solo5_image() put the MFT1 note */

static void solo5_image(struct test_image *t, uint32_t target, uint32_t version,
                        const char *const *devs, unsigned n)
{
    static uint8_t desc[4 + 8 + 8 * sizeof(struct mft_entry)];
    struct abi1_info a = { .abi_target = target, .abi_version = version };
    uint32_t hdr[2] = { MFT_VERSION, n + 1 };
    struct mft_entry e;

    assert_true(n < 8);
    tb_init(t);
    tb_clear_notes(t);
    tb_add_note(t, ABI1_NOTE_NAME, sizeof ABI1_NOTE_NAME, ABI1_NOTE_TYPE, &a, sizeof a);
    memset(desc, 0, sizeof desc);
    memcpy(desc + 4, hdr, sizeof hdr);
    memset(&e, 0, sizeof e);
    e.type = MFT_RESERVED_FIRST;
    memcpy(desc + 12, &e, sizeof e);
    for (unsigned i = 0; i < n; i++) {
        memset(&e, 0, sizeof e);
        e.type = devs[i][0] == 'n' ? MFT_DEV_NET_BASIC : MFT_DEV_BLOCK_BASIC;
        snprintf(e.name, sizeof e.name, "%s", devs[i] + 2);
        memcpy(desc + 12 + (i + 1) * sizeof e, &e, sizeof e);
    }
    mft_note_off = t->notes_len;
    tb_add_note(t, MFT1_NOTE_NAME, sizeof MFT1_NOTE_NAME, MFT1_NOTE_TYPE, desc,
                12 + (n + 1) * (uint32_t)sizeof e);
}

#define SKIFF_V (SKIFF_SOLO5_ABI_VERSION_BASE | SKIFF_ABI_VERSION)

static void test_solo5_notes(void **state)
{
    (void)state;
    struct test_image t;
    static const char *const devs[] = { "b:disk", "n:service", "n:lan", "b:other" };
    solo5_image(&t, SPT_ABI_TARGET, SKIFF_V, devs, 4);
    assert_int_equal(parse(&t), 0);
    assert_int_equal(img.abi.target, SKIFF_TARGET_SPT);
    assert_int_equal(img.abi.abi_version, SKIFF_ABI_VERSION);
    assert_int_equal(img.solo5_notes, 1);
    assert_int_equal(img.manifest.nic_count, 2);
    assert_string_equal(img.manifest.nics[0].name, "service");
    assert_string_equal(img.manifest.nics[1].name, "lan");
    assert_int_equal(img.nic_handle[0], 2);
    assert_int_equal(img.nic_handle[1], 3);
    assert_int_equal(img.block_count, 2);
    assert_string_equal(img.block_names[0], "disk");
    assert_string_equal(img.block_names[1], "other");
    assert_int_equal(img.block_handle[0], 1);
    assert_int_equal(img.block_handle[1], 4);

    /* hvt: Solo5's target number 1 is skiff's SKIFF_TARGET_HVT */
    solo5_image(&t, HVT_ABI_TARGET, SKIFF_V, devs, 1);
    assert_int_equal(parse_mem_target(&t, MEM, SKIFF_TARGET_ANY), 0);
    assert_int_equal(img.abi.target, SKIFF_TARGET_HVT);
}

static void test_solo5_abi_errors(void **state)
{
    (void)state;
    struct test_image t;
    static const char *const devs[] = { "n:service" };
    solo5_image(&t, HVT_ABI_TARGET, 2, devs, 1); /* Solo5's own hvt bindings */
    assert_int_equal(parse_mem_target(&t, MEM, SKIFF_TARGET_ANY), -1);
    assert_non_null(strstr(err, "Executable requests unsupported ABI version 2: it was linked "
                                "with Solo5's own hvt bindings"));
    solo5_image(&t, VIRTIO_ABI_TARGET, SKIFF_V, devs, 1);
    expect_error(&t, "Executable is not for the solo5-spt target (it is built for Solo5 target 3, "
                     "not hvt or spt");
    solo5_image(&t, SPT_ABI_TARGET, SKIFF_SOLO5_ABI_VERSION_BASE | 99, devs, 1);
    expect_error(&t, "ABI version 99");
    solo5_image(&t, HVT_ABI_TARGET, SKIFF_V, devs, 1);
    expect_error(&t, "built for target hvt");
    /* both kinds of ABI note */
    solo5_image(&t, SPT_ABI_TARGET, SKIFF_V, devs, 1);
    tb_add_abi(&t, SKIFF_TARGET_SPT, SKIFF_ABI_VERSION);
    expect_error(&t, "both a Solo5 ABI1 note and a Skiff ABI note");
}

static void test_solo5_manifest_errors(void **state)
{
    (void)state;
    struct test_image t;
    static const char *const dup[] = { "n:a", "b:a" };
    solo5_image(&t, SPT_ABI_TARGET, SKIFF_V, dup, 2);
    expect_error(&t, "names device 'a' twice");
    static const char *const bad[] = { "n:a_b" };
    solo5_image(&t, SPT_ABI_TARGET, SKIFF_V, bad, 1);
    expect_error(&t, "not alphanumeric");
    static const char *const nine[] = { "n:a", "n:b", "n:c", "n:d", "n:e", "n:f", "n:g" };
    solo5_image(&t, SPT_ABI_TARGET, SKIFF_V, nine, 7);
    assert_int_equal(parse(&t), 0); /* 7 NICs fit */
    static const char *const longname[] = { "n:abcdefghijklmnopqrstuvwxyz0123456789" };
    solo5_image(&t, SPT_ABI_TARGET, SKIFF_V, longname, 1);
    expect_error(&t, "longer than 31 characters");
    /* descriptor size that does not match the entry count */
    static const char *const one[] = { "n:a" };
    solo5_image(&t, SPT_ABI_TARGET, SKIFF_V, one, 1);
    uint32_t entries = 3; /* the descriptor holds 2 */
    memcpy(t.notes + mft_note_off + 20 + 4 + 4, &entries, sizeof entries);
    expect_error(&t, "not what 3 entries take");
}

static void test_solo5_extras(void **state)
{
    (void)state;
    struct test_image t;
    struct skiff_manifest m;
    static const char *const devs[] = { "n:wan", "n:lan" };
    solo5_image(&t, SPT_ABI_TARGET, SKIFF_V, devs, 2);
    memset(&m, 0, sizeof m);
    m.version = SKIFF_MANIFEST_VERSION;
    m.nic_count = 1;
    snprintf(m.nics[0].name, sizeof m.nics[0].name, "lan");
    m.nics[0].flags = SKIFF_NIC_F_VNET;
    tb_add_manifest(&t, &m);
    assert_int_equal(parse(&t), 0);
    assert_int_equal(img.manifest.nic_count, 2);
    assert_int_equal(img.manifest.nics[0].flags, 0);
    assert_int_equal(img.manifest.nics[1].flags, SKIFF_NIC_F_VNET);
    snprintf(m.nics[0].name, sizeof m.nics[0].name, "dmz");
    solo5_image(&t, SPT_ABI_TARGET, SKIFF_V, devs, 2);
    tb_add_manifest(&t, &m);
    expect_error(&t, "options for 'dmz', not a network device");
}

static void test_solo5_interp(void **state)
{
    (void)state;
    struct test_image t;
    static const char *const devs[] = { "n:service" };
    /* skiff's bindings write the string and its NUL (20 bytes); Solo5's
     * linker script pads the section to 24 with NULs; anything else is a
     * host program's interpreter. */
    static const struct {
        const char *bytes;
        size_t len;
        int ok;
    } cases[] = {
        { "/nonexistent/solo5/", 20, 1 },        { "/nonexistent/solo5/\0\0\0\0", 24, 1 },
        { "/nonexistent/solo5/", 19, 1 },        { "/lib64/ld-linux.so.", 20, 0 },
        { "/nonexistent/solo5/\0\0\0x", 24, 0 }, { "/nonexistent/solo", 17, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        solo5_image(&t, SPT_ABI_TARGET, SKIFF_V, devs, 1);
        Elf64_Phdr *ph = &t.ph[t.phnum++];
        memset(ph, 0, sizeof *ph);
        ph->p_type = PT_INTERP;
        ph->p_offset = TB_NOTE_OFF + t.notes_len;
        ph->p_filesz = cases[i].len;
        memcpy(t.notes + t.notes_len, cases[i].bytes, cases[i].len);
        t.notes_len += 24; /* written to the file, outside PT_NOTE */
        t.eh.e_phnum = (uint16_t)t.phnum;
        if (!cases[i].ok)
            expect_error(&t, "dynamically linked");
        else if (parse(&t) != 0)
            fail_msg("case %zu: %s", i, err);
    }
}

/* Defects are named in the order Solo5's tenders find them; a Solo5 image
 * (ABI version 2) with a broken manifest gets both. */
static void test_defect_order(void **state)
{
    (void)state;
    struct test_image t;
    static const char *const devs[] = { "n:service" };
    solo5_image(&t, HVT_ABI_TARGET, 2, devs, 1);
    t.notes[mft_note_off + 4] = 1; /* MFT1 n_descsz: 1 byte (Solo5's buggyelf) */
    assert_int_equal(parse_mem_target(&t, MEM, SKIFF_TARGET_ANY), -1);
    if (strncmp(err, "note does not fall within valid size", 36) != 0)
        fail_msg("%s", err);
    solo5_image(&t, HVT_ABI_TARGET, 2, devs, 1);
    uint32_t entries = 5; /* not what the note's size holds */
    memcpy(t.notes + mft_note_off + 20 + 4 + 4, &entries, sizeof entries);
    assert_int_equal(parse_mem_target(&t, MEM, SKIFF_TARGET_ANY), -1);
    if (strncmp(err, "Solo5 manifest is invalid: ", 27) != 0 ||
        !strstr(err, "; and: Executable requests unsupported ABI version 2"))
        fail_msg("%s", err);
    /* the wrong target comes before a missing manifest */
    tb_init(&t);
    tb_clear_notes(&t);
    struct abi1_info a = { .abi_target = SPT_ABI_TARGET, .abi_version = SKIFF_V };
    tb_add_note(&t, ABI1_NOTE_NAME, sizeof ABI1_NOTE_NAME, ABI1_NOTE_TYPE, &a, sizeof a);
    assert_int_equal(parse_mem_target(&t, MEM, SKIFF_TARGET_HVT), -1);
    if (strstr(err, "Executable is not for the solo5-hvt target") != err)
        fail_msg("%s", err);
    /* a static-linking defect never hides a manifest defect */
    tb_init(&t);
    tb_clear_notes(&t);
    tb_add_note(&t, ABI1_NOTE_NAME, sizeof ABI1_NOTE_NAME, ABI1_NOTE_TYPE, &a, sizeof a);
    t.ph[t.phnum] = (Elf64_Phdr){ .p_type = PT_DYNAMIC };
    t.eh.e_phnum = (uint16_t)++t.phnum;
    expect_error(&t, "No Solo5 manifest found in executable");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_foreign_note_ignored),
        cmocka_unit_test(test_empty_load_ignored),
        cmocka_unit_test(test_zero_nics),
        cmocka_unit_test(test_last_note_unpadded),
        cmocka_unit_test(test_notes_align8),
        cmocka_unit_test(test_short_file),
        cmocka_unit_test(test_ident),
        cmocka_unit_test(test_machine_type),
        cmocka_unit_test(test_header_sizes),
        cmocka_unit_test(test_phdr_count_and_bounds),
        cmocka_unit_test(test_dynamic),
        cmocka_unit_test(test_note_segment_bounds),
        cmocka_unit_test(test_note_truncated),
        cmocka_unit_test(test_note_huge_sizes),
        cmocka_unit_test(test_abi_note_errors),
        cmocka_unit_test(test_manifest_note_errors),
        cmocka_unit_test(test_manifest_contents),
        cmocka_unit_test(test_manifest_vnet),
        cmocka_unit_test(test_segment_sizes),
        cmocka_unit_test(test_segment_addresses),
        cmocka_unit_test(test_segment_alignment),
        cmocka_unit_test(test_wx),
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_too_many_loads),
        cmocka_unit_test(test_no_loads),
        cmocka_unit_test(test_memory_fit),
        cmocka_unit_test(test_ring_geometry),
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_target_names),
        cmocka_unit_test(test_solo5_notes),
        cmocka_unit_test(test_solo5_abi_errors),
        cmocka_unit_test(test_solo5_manifest_errors),
        cmocka_unit_test(test_solo5_extras),
        cmocka_unit_test(test_solo5_interp),
        cmocka_unit_test(test_defect_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
