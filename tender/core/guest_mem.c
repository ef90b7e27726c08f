/*
 * Guest memory setup. Memory is one mapping of [mem_lo, mem_size). On spt
 * it is a memfd, mapped shared at host address == gpa from 1 MiB up
 * (MAP_FIXED_NOREPLACE, so an existing mapping in the tender is never
 * clobbered; a guest null pointer faults): the guest process maps the same
 * memfd at the same addresses, so a gpa means the same on both sides. On
 * hvt it is private memory covering [0, mem_size) (the backend keeps its
 * page tables below 1 MiB) wherever mmap puts it. Either way the tender only
 * reaches guest memory through skiff_gpa_ptr(); the boot info holds gpas.
 */
#include "core/guest_mem.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/timerfd.h>

#include <fcntl.h>

#include "capture/capture.h"
#include "core/backend.h"
#include "core/layout.h"
#include "net/direct.h"

#define ERR(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "skiff: error: " __VA_ARGS__);                                             \
        fputc('\n', stderr);                                                                       \
    } while (0)

static uint64_t map_len(const struct skiff_vm *vm)
{
    return vm->mem_size - vm->mem_lo;
}

void *skiff_gpa_ptr(const struct skiff_vm *vm, uint64_t gpa, uint64_t len)
{
    if (!vm->mem || gpa < vm->mem_lo || gpa > vm->mem_size || len > vm->mem_size - gpa)
        return NULL;
    return (uint8_t *)vm->mem + (gpa - vm->mem_lo);
}

/* spt: a memfd of the mapping's size that nobody can resize (a shrink
 * would turn the tender's accesses into SIGBUS). */
static int shared_memfd(uint64_t len)
{
    int fd = memfd_create("skiff-guest-mem", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)len) < 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int map_memory(struct skiff_vm *vm)
{
    vm->mem_lo = vm->mem_at_gpa ? SKIFF_GUEST_LOAD_MIN : 0;
    void *want = vm->mem_at_gpa ? (void *)(uintptr_t)SKIFF_GUEST_LOAD_MIN : NULL;
    int flags = MAP_NORESERVE;
    if (vm->mem_at_gpa)
        flags |= MAP_FIXED_NOREPLACE;
    if (vm->backend->mem_shared) {
        vm->mem_fd = shared_memfd(map_len(vm));
        if (vm->mem_fd < 0) {
            ERR("cannot create %llu MiB of guest memory: %s (try a smaller --mem)",
                (unsigned long long)(vm->mem_size >> 20), strerror(errno));
            return -1;
        }
        flags |= MAP_SHARED;
    } else {
        flags |= MAP_PRIVATE | MAP_ANONYMOUS;
    }

    void *p = mmap(want, map_len(vm), PROT_READ | PROT_WRITE, flags, vm->mem_fd, 0);
    if (p == MAP_FAILED) {
        ERR("cannot map %llu MiB of guest memory at 0x%llx: %s (try a smaller "
            "--mem)",
            (unsigned long long)(vm->mem_size >> 20), (unsigned long long)vm->mem_lo,
            strerror(errno));
        return -1;
    }
    /* Kernels before 4.17 treat MAP_FIXED_NOREPLACE as a hint. */
    if (vm->mem_at_gpa && p != want) {
        munmap(p, map_len(vm));
        ERR("cannot map guest memory at 0x%llx: address range in use (try a "
            "smaller --mem)",
            SKIFF_GUEST_LOAD_MIN);
        return -1;
    }
    vm->mem = p;
    return 0;
}

/* Copy PT_LOAD segments in. The tender's own view stays read-write and
 * never executable: the segment protections (W^X, checked by the ELF
 * loader) apply where the guest runs: the spt guest process maps its image
 * with them (tender/spt/), hvt's guest page tables carry them. */
static int load_image(struct skiff_vm *vm)
{
    const struct skiff_image *img = vm->img;

    for (unsigned i = 0; i < img->seg_count; i++) {
        const struct skiff_elf_segment *s = &img->segs[i];
        uint8_t *dst = skiff_gpa_ptr(vm, s->vaddr, s->memsz);
        if (!dst) {
            ERR("image segment at 0x%llx does not fit guest memory", (unsigned long long)s->vaddr);
            return -1;
        }
        memcpy(dst, vm->image_buf + s->offset, s->filesz);
        memset(dst + s->filesz, 0, s->memsz - s->filesz);
    }
    return 0;
}

/* A channel epoch: non-zero and unlikely to repeat, so a stale guest-side
 * reader from an earlier run can never mistake the channel for its own. */
static uint64_t new_epoch(void)
{
    uint64_t e = 0;
    if (getrandom(&e, sizeof e, GRND_NONBLOCK) != (ssize_t)sizeof e) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        e = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    }
    return e ? e : 1;
}

/* Rings of one NIC in its area at `base` (skiff_layout_nic_bytes() long).
 * A vnet NIC gets few slots big enough for a 64 KiB GSO frame; a plain one
 * slots sized from its MTU (layout.h). */
static int setup_rings(struct skiff_vm *vm, uint64_t base, struct skiff_boot_nic *bn,
                       struct skiff_nic *nic, uint32_t manifest_flags)
{
    uint32_t size = SKIFF_VNET_SLOT_SIZE, count = SKIFF_VNET_SLOT_COUNT;
    if (!nic->vnet)
        skiff_ring_geometry(nic->mtu, &size, &count);
    const struct shms_geometry g = {
        .protocol = SHMS_PROTOCOL_ETH,
        .size = size,
        .elements = count,
    };
    uint64_t chan = shms_channel_bytes(&g);
    uint64_t ctrl_area = skiff_page_up(sizeof(struct shms_ctrl));
    uint64_t chan_area = skiff_layout_chan_area(manifest_flags, nic->mtu);

    if (chan == 0 || chan > chan_area) {
        ERR("ring geometry %llux%llu rejected by the ring library", (unsigned long long)g.elements,
            (unsigned long long)g.size);
        return -1;
    }
    bn->flags = nic->vnet ? SKIFF_NIC_F_VNET : 0;
    bn->slot_size = (uint32_t)g.size;
    bn->slot_count = (uint32_t)g.elements;
    bn->chan_bytes = chan;
    bn->rx_ctrl = base;
    bn->rx_chan = bn->rx_ctrl + ctrl_area;
    bn->tx_ctrl = bn->rx_chan + chan_area;
    bn->tx_chan = bn->tx_ctrl + ctrl_area;
    bn->rx_epoch = new_epoch();

    int r = shms_writer_init(&nic->rx, skiff_gpa_ptr(vm, bn->rx_chan, chan), chan,
                             skiff_gpa_ptr(vm, bn->rx_ctrl, sizeof(struct shms_ctrl)), &g,
                             bn->rx_epoch, SHMS_MODE_LOSSLESS);
    if (r != SHMS_OK) {
        ERR("cannot initialise RX ring of NIC '%s': %s", nic->name, shms_result_str(r));
        return -1;
    }
    shms_reader_init(&nic->tx, skiff_gpa_ptr(vm, bn->tx_chan, chan), chan,
                     skiff_gpa_ptr(vm, bn->tx_ctrl, sizeof(struct shms_ctrl)), &g,
                     SHMS_MODE_LOSSLESS);

    nic->rx_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    nic->tx_kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (nic->rx_wake_fd < 0 || nic->tx_kick_fd < 0) {
        ERR("eventfd: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * spt --io=direct, a NIC with --pcap: the guest moves its frames itself and
 * copies them into a capture channel (skiff/abi.h, docs/capture.md). It
 * takes the NIC's ring area, unused in direct mode: the struct
 * skiff_cap_area on the first page, then the channel, with slots as the
 * NIC's plain ring would have (every frame fits whole) and as many of them
 * as the area holds, a power of two.
 */
static int setup_capture_channel(struct skiff_vm *vm, uint64_t base, struct skiff_boot_nic *bn,
                                 struct skiff_nic *nic, uint64_t area_bytes)
{
    uint32_t size, count;
    skiff_ring_geometry(nic->mtu, &size, &count);
    struct shms_geometry g = { .protocol = SKIFF_CAP_PROTOCOL, .size = size, .elements = count };
    uint64_t room = area_bytes - SKIFF_PAGE_SIZE;
    for (;;) {
        struct shms_geometry more = g;
        more.elements *= 2;
        if (more.elements > SHMS_ELEMENTS_MAX || shms_channel_bytes(&more) == 0 ||
            shms_channel_bytes(&more) > room)
            break;
        g = more;
    }
    uint64_t chan = shms_channel_bytes(&g);
    struct skiff_cap_area *a = skiff_gpa_ptr(vm, base, sizeof *a);
    void *mem = skiff_gpa_ptr(vm, base + SKIFF_PAGE_SIZE, chan);
    if (chan == 0 || chan > room || !a || !mem) {
        ERR("capture channel %llux%llu of NIC '%s' does not fit its area",
            (unsigned long long)g.elements, (unsigned long long)g.size, nic->name);
        return -1;
    }
    memset(a, 0, sizeof *a);
    a->chan = base + SKIFF_PAGE_SIZE;
    a->chan_bytes = chan;
    a->slot_size = (uint32_t)g.size;
    a->slot_count = (uint32_t)g.elements;
    bn->cap_area = base;
    skiff_capture_attach_guest(nic->capture, a, mem, chan, a->slot_size, a->slot_count);
    return 0;
}

/* Add fd to the guest's epoll set; `what` names it for the error line. */
static int epoll_add(int epfd, int fd, uint64_t tag, const char *what, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.u64 = tag };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        ERR("%s (fd %d) cannot be polled (epoll_ctl: %s)", what, fd, strerror(errno));
        return -1;
    }
    return 0;
}

/* The fds the guest is allowed to use (seccomp rules name them). */
static int setup_fds(struct skiff_vm *vm)
{
    vm->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    vm->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (vm->single) {
        /* One thread (a launcher's filter: no eventfd, no fcntl): nobody
         * to signal the guest's end to, and the console is stdout itself. */
        vm->console_fd = STDOUT_FILENO;
    } else {
        vm->exit_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        vm->console_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    }
    if (vm->epoll_fd < 0 || vm->timer_fd < 0 || (!vm->single && vm->exit_fd < 0) ||
        vm->console_fd < 0) {
        ERR("cannot create guest fds: %s", strerror(errno));
        return -1;
    }
    if (epoll_add(vm->epoll_fd, vm->timer_fd, SKIFF_SPT_TAG_TIMER, "the guest's timer", EPOLLIN) <
        0)
        return -1;
    /* One thread closes the NICs for the guest itself (hvt_single.c). */
    if (vm->io_mode == SKIFF_IO_DIRECT && !vm->single) {
        if (skiff_direct_open_close_pipe(vm) < 0) {
            ERR("pipe: %s", strerror(errno));
            return -1;
        }
        if (epoll_add(vm->epoll_fd, vm->closed_rd, SKIFF_SPT_TAG_CLOSED, "the close pipe",
                      EPOLLIN) < 0)
            return -1;
    }
    for (unsigned i = 0; i < vm->nic_count; i++) {
        const struct skiff_nic *n = &vm->nics[i];
        char what[SKIFF_NAME_MAX + 64];
        snprintf(what, sizeof what, "net %s: %s", n->name,
                 vm->io_mode == SKIFF_IO_DIRECT ? "packet fd" : "wake eventfd");
        int fd = vm->io_mode == SKIFF_IO_DIRECT ? n->fd : n->rx_wake_fd;
        /* spt ring modes: edge-triggered, so every wake (each eventfd write
         * is an edge) is reported once and the guest need not read the
         * eventfd back: one system call less per wake-up. hvt's POLL
         * handler drains it itself. */
        uint32_t events = EPOLLIN;
        if (vm->io_mode != SKIFF_IO_DIRECT && vm->backend->wake_edge)
            events |= EPOLLET;
        if (epoll_add(vm->epoll_fd, fd, i, what, events) < 0)
            return -1;
    }
    return 0;
}

int skiff_mem_setup(struct skiff_vm *vm, const char *cmdline)
{
    const struct skiff_image *img = vm->img;
    size_t cmd_len = strlen(cmdline) + 1;
    const struct skiff_manifest *m = &img->manifest;
    uint16_t mtus[SKIFF_MAX_NICS];
    for (unsigned i = 0; i < SKIFF_MAX_NICS; i++)
        mtus[i] = i < vm->nic_count ? vm->nics[i].mtu : (uint16_t)SKIFF_MTU_ASSUMED;
    uint64_t reserve = skiff_layout_reserve(m, mtus);

    if (cmd_len > SKIFF_CMDLINE_MAX) {
        ERR("guest command line is %zu bytes (at most %u)", cmd_len - 1, SKIFF_CMDLINE_MAX - 1);
        return -1;
    }
    /* The loader checked this already; re-check what the layout relies on. */
    if (vm->nic_count > m->nic_count || vm->mem_size < reserve ||
        img->hi > vm->mem_size - reserve || vm->mem_size % SKIFF_PAGE_SIZE) {
        /* The loader checked with 1,500-byte MTUs; a jumbo MTU needs more. */
        uint64_t need_mb = (img->hi + reserve + (1u << 20) - 1) >> 20;
        unsigned big = 0;
        for (unsigned i = 1; i < vm->nic_count; i++)
            if (vm->nics[i].mtu > vm->nics[big].mtu)
                big = i;
        if (vm->nic_count > 0 && vm->nics[big].mtu > SKIFF_MTU_ASSUMED)
            ERR("image and rings do not fit in --mem=%llu: NIC '%s' has MTU %u, its rings "
                "need %llu KiB (raise --mem to at least %llu)",
                (unsigned long long)(vm->mem_size >> 20), vm->nics[big].name, vm->nics[big].mtu,
                (unsigned long long)(skiff_layout_nic_bytes(m->nics[big].flags,
                                                            vm->nics[big].mtu) >>
                                     10),
                (unsigned long long)need_mb);
        else
            ERR("image does not fit in --mem=%llu (raise --mem)",
                (unsigned long long)(vm->mem_size >> 20));
        return -1;
    }
    if (map_memory(vm) < 0 || load_image(vm) < 0)
        return -1;

    uint64_t ring_base = vm->mem_size - skiff_layout_nics_bytes(m, mtus);
    vm->boot_gpa = img->hi;
    vm->boot = skiff_gpa_ptr(vm, vm->boot_gpa, sizeof *vm->boot);
    uint64_t cmd_gpa = vm->boot_gpa + sizeof *vm->boot;
    memcpy(skiff_gpa_ptr(vm, cmd_gpa, cmd_len), cmdline, cmd_len);

    struct skiff_boot_info *bi = vm->boot;
    memset(bi, 0, sizeof *bi);
    bi->magic = SKIFF_BOOT_MAGIC;
    bi->abi_version = SKIFF_ABI_VERSION;
    bi->target = vm->backend->target;
    bi->mem_size = vm->mem_size;
    bi->heap_start = skiff_page_up(cmd_gpa + cmd_len);
    bi->stack_top = ring_base;
    bi->heap_end = bi->stack_top - SKIFF_STACK_RESERVE;
    bi->cmdline = cmd_gpa;
    bi->tsc_freq = 0;
    bi->io_mode = vm->io_mode;
    bi->nic_count = vm->nic_count;
    bi->block_count = vm->block_count;
    for (unsigned i = 0; i < vm->block_count; i++) {
        const struct skiff_block *b = &vm->blocks[i];
        struct skiff_boot_block *bb = &bi->blocks[i];
        memcpy(bb->name, b->name, sizeof bb->name);
        bb->flags = b->read_only ? SKIFF_BLOCK_F_RO : 0;
        bb->capacity = b->capacity;
        bb->block_size = b->block_size;
        bb->spt_fd = -1;
    }
    bi->spt_epoll_fd = bi->spt_timer_fd = bi->spt_console_fd = bi->spt_exit_fd = -1;

    for (unsigned i = 0; i < vm->nic_count; i++) {
        struct skiff_nic *n = &vm->nics[i];
        struct skiff_boot_nic *bn = &bi->nics[i];
        memcpy(bn->name, n->name, sizeof bn->name);
        memcpy(bn->mac, n->mac, sizeof bn->mac);
        bn->mtu = n->mtu;
        bn->spt_rx_wake_fd = bn->spt_tx_kick_fd = bn->spt_direct_fd = -1;
        if (vm->io_mode == SKIFF_IO_DIRECT) {
            /* The guest moves frames itself: no rings. Where that is the
             * guest's own process (spt), a captured NIC's frames reach the
             * tender through a capture channel. */
            if (n->capture && vm->backend->direct_capture_channel &&
                setup_capture_channel(vm, ring_base, bn, n,
                                      skiff_layout_nic_bytes(m->nics[i].flags, mtus[i])) < 0)
                return -1;
        } else if (setup_rings(vm, ring_base, bn, n, m->nics[i].flags) < 0) {
            return -1;
        } else {
            /* The guest's own sends, and its own reads while it sleeps:
             * decided here, once, and published as NIC flags. */
            if (skiff_nic_tx_bypass(n, vm->io_mode, vm->backend->target)) {
                bn->spt_direct_fd = n->fd;
                bn->flags |= SKIFF_NIC_F_TX_BYPASS;
            }
            n->rx_handoff = skiff_nic_rx_handoff(n, vm->io_mode, vm->backend->target);
            if (n->rx_handoff)
                bn->flags |= SKIFF_NIC_F_RX_HANDOFF;
        }
        /* The application's opt-in to SOLO5_R_CLOSED, in every mode. */
        bn->flags |= m->nics[i].flags & SKIFF_NIC_F_CLOSED;
        ring_base += skiff_layout_nic_bytes(m->nics[i].flags, mtus[i]);
    }
    if (setup_fds(vm) < 0)
        return -1;
    if (vm->backend->boot_fds)
        vm->backend->boot_fds(vm, bi);
    return 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

void skiff_mem_teardown(struct skiff_vm *vm, bool unmap)
{
    for (unsigned i = 0; i < vm->nic_count; i++) {
        close_fd(&vm->nics[i].rx_wake_fd);
        close_fd(&vm->nics[i].tx_kick_fd);
    }
    close_fd(&vm->epoll_fd);
    close_fd(&vm->timer_fd);
    close_fd(&vm->exit_fd);
    if (vm->console_fd > STDERR_FILENO) /* one-thread mode borrows stdout */
        close_fd(&vm->console_fd);
    close_fd(&vm->closed_rd);
    close_fd(&vm->closed_wr);
    close_fd(&vm->mem_fd);
    if (unmap && vm->mem) {
        munmap(vm->mem, map_len(vm));
        vm->mem = NULL;
        vm->boot = NULL;
    }
}
