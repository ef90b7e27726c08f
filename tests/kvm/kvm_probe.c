/*
 * kvm_probe: prove that /dev/kvm can run a guest.
 *
 * Opens /dev/kvm, checks the API version, creates a VM with one page of
 * memory and one vCPU, and runs a few bytes of real-mode code:
 *
 *     mov dx, PORT_B ; mov al, VAL_B ; out dx, al        (1-byte OUT)
 *     mov dx, PORT_L ; mov eax, VAL_L ; out dx, eax      (4-byte OUT, like hvt)
 *     mov cx, N ; mov dx, PORT_LOOP
 *   1: out dx, al ; loop 1b                              (N timed exits)
 *     hlt
 *
 * It expects KVM_EXIT_IO for each OUT with the right port, size and value,
 * then KVM_EXIT_HLT. The loop measures the cost of a PIO exit round trip.
 *
 * Usage: kvm_probe [N]   (N: timed exits, default 1000, 0..65535)
 * Exit status: 0 all good, 1 a check failed, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

enum {
    GUEST_BASE = 0x1000,
    GUEST_SIZE = 0x1000,
    PORT_B = 0x05a5,
    VAL_B = 0x2a,
    PORT_L = 0x05a8,
    PORT_LOOP = 0x05ac,
};
#define VAL_L UINT32_C(0x5e1f0b0e)

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "kvm_probe: FAIL: " __VA_ARGS__);                                      \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void die(const char *what)
{
    fprintf(stderr, "kvm_probe: FAIL: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Assemble the guest program into buf; returns its length. */
static size_t build_code(uint8_t *buf, uint16_t loops)
{
    size_t n = 0;
    /* mov dx, PORT_B */
    buf[n++] = 0xba;
    buf[n++] = PORT_B & 0xff;
    buf[n++] = PORT_B >> 8;
    /* mov al, VAL_B */
    buf[n++] = 0xb0;
    buf[n++] = VAL_B;
    /* out dx, al */
    buf[n++] = 0xee;
    /* mov dx, PORT_L */
    buf[n++] = 0xba;
    buf[n++] = PORT_L & 0xff;
    buf[n++] = PORT_L >> 8;
    /* mov eax, VAL_L (operand-size prefix in 16-bit mode) */
    buf[n++] = 0x66;
    buf[n++] = 0xb8;
    for (int i = 0; i < 4; i++)
        buf[n++] = (uint8_t)(VAL_L >> (8 * i));
    /* out dx, eax */
    buf[n++] = 0x66;
    buf[n++] = 0xef;
    /* mov cx, loops */
    buf[n++] = 0xb9;
    buf[n++] = (uint8_t)(loops & 0xff);
    buf[n++] = (uint8_t)(loops >> 8);
    /* jcxz over the loop when loops == 0 */
    buf[n++] = 0xe3;
    buf[n++] = 0x06;
    /* mov dx, PORT_LOOP */
    buf[n++] = 0xba;
    buf[n++] = PORT_LOOP & 0xff;
    buf[n++] = PORT_LOOP >> 8;
    /* 1: out dx, al ; loop 1b */
    buf[n++] = 0xee;
    buf[n++] = 0xe2;
    buf[n++] = 0xfd;
    /* hlt */
    buf[n++] = 0xf4;
    return n;
}

static const char *exit_name(uint32_t r)
{
    switch (r) {
    case KVM_EXIT_IO: return "KVM_EXIT_IO";
    case KVM_EXIT_HLT: return "KVM_EXIT_HLT";
    case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
    case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN";
    case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
    case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
    default: return "other";
    }
}

/* KVM_RUN once; retry on EINTR. */
static void run(int vcpu)
{
    while (ioctl(vcpu, KVM_RUN, 0) < 0) {
        if (errno != EINTR)
            die("KVM_RUN");
    }
}

static uint32_t io_value(const struct kvm_run *r)
{
    const uint8_t *p = (const uint8_t *)r + r->io.data_offset;
    uint32_t v = 0;
    for (unsigned i = 0; i < r->io.size && i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static void expect_out(int vcpu, const struct kvm_run *r, uint16_t port, uint8_t size,
                       uint32_t value)
{
    run(vcpu);
    if (r->exit_reason != KVM_EXIT_IO) {
        CHECK(0, "expected KVM_EXIT_IO on port %#x, got %s (%u)", port, exit_name(r->exit_reason),
              r->exit_reason);
        return;
    }
    CHECK(r->io.direction == KVM_EXIT_IO_OUT, "port %#x: direction %u, want OUT", port,
          r->io.direction);
    CHECK(r->io.port == port, "port %#x, want %#x", r->io.port, port);
    CHECK(r->io.size == size, "port %#x: size %u, want %u", port, r->io.size, size);
    CHECK(r->io.count == 1, "port %#x: count %u, want 1", port, r->io.count);
    CHECK(io_value(r) == value, "port %#x: value %#" PRIx32 ", want %#" PRIx32, port, io_value(r),
          value);
    if (failures == 0)
        printf("kvm_probe: KVM_EXIT_IO out port %#x size %u value %#" PRIx32 ": ok\n", port, size,
               value);
}

int main(int argc, char **argv)
{
    unsigned long loops = 1000;
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: kvm_probe [N]\n");
        return 2;
    }
    if (argc == 2) {
        char *end;
        errno = 0;
        loops = strtoul(argv[1], &end, 10);
        if (errno || *end || loops > 65535) {
            fprintf(stderr, "kvm_probe: N must be 0..65535\n");
            return 2;
        }
    }

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("open /dev/kvm");
    int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION) {
        fprintf(stderr, "kvm_probe: FAIL: KVM_GET_API_VERSION = %d, want %d\n", api,
                KVM_API_VERSION);
        return 1;
    }
    printf("kvm_probe: KVM_GET_API_VERSION = %d: ok\n", api);

    int vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
    if (vm < 0)
        die("KVM_CREATE_VM");

    uint8_t *mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        die("mmap guest memory");
    size_t len = build_code(mem, (uint16_t)loops);
    if (len > GUEST_SIZE)
        abort();

    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = GUEST_BASE,
        .memory_size = GUEST_SIZE,
        .userspace_addr = (uint64_t)(uintptr_t)mem,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        die("KVM_SET_USER_MEMORY_REGION");

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
    if (vcpu < 0)
        die("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < (int)sizeof(struct kvm_run))
        die("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *r = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (r == MAP_FAILED)
        die("mmap kvm_run");
    printf("kvm_probe: VM and vCPU created: ok\n");

    /* Real mode, CS base 0, start at GUEST_BASE. */
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        die("KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
        die("KVM_SET_SREGS");
    struct kvm_regs regs;
    memset(&regs, 0, sizeof(regs));
    regs.rip = GUEST_BASE;
    regs.rflags = 0x2;
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        die("KVM_SET_REGS");

    expect_out(vcpu, r, PORT_B, 1, VAL_B);
    expect_out(vcpu, r, PORT_L, 4, VAL_L);
    if (failures)
        return 1;

    double t0 = now_s();
    for (unsigned long i = 0; i < loops; i++) {
        run(vcpu);
        if (r->exit_reason != KVM_EXIT_IO || r->io.port != PORT_LOOP) {
            CHECK(0, "timed exit %lu: %s port %#x", i, exit_name(r->exit_reason), r->io.port);
            return 1;
        }
    }
    double dt = now_s() - t0;
    if (loops)
        printf("kvm_probe: %lu PIO exits in %.3f s: %.1f us per exit\n", loops, dt,
               dt * 1e6 / (double)loops);

    run(vcpu);
    CHECK(r->exit_reason == KVM_EXIT_HLT, "expected KVM_EXIT_HLT, got %s (%u)",
          exit_name(r->exit_reason), r->exit_reason);
    if (failures)
        return 1;
    printf("kvm_probe: KVM_EXIT_HLT: ok\n");

    munmap(r, (size_t)run_size);
    munmap(mem, GUEST_SIZE);
    close(vcpu);
    close(vm);
    close(kvm);
    printf("kvm_probe: PASS\n");
    return 0;
}
