/*
 * kvm_hold: keep one KVM virtual machine with one vCPU open until killed.
 *
 * kvm-run starts it in its emulated machine before the command under test.
 * While any VM holds a vCPU without an in-kernel local APIC, the KVM module's
 * static key for that case stays enabled, so the command's own VMs (skiff's
 * hvt guests have no in-kernel APIC) no longer switch it 0 -> 1 -> 0. Each
 * switch live-patches kernel code on every CPU, and under QEMU's
 * multi-threaded TCG with nested SVM that patching has been seen to freeze
 * the whole emulated machine. The VM never runs.
 *
 * Usage: kvm_hold READY_FILE   (creates READY_FILE once the vCPU exists)
 * Exit status: 0 when terminated by SIGTERM/SIGINT, 1 on a KVM error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "kvm_hold: %s: %s\n", what, strerror(errno));
    _exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: kvm_hold READY_FILE\n");
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("/dev/kvm");
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        die("KVM_CREATE_VM");
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        die("KVM_CREATE_VCPU");
    int ready = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (ready < 0)
        die(argv[1]);
    close(ready);

    int sig;
    sigwait(&set, &sig);
    return 0;
}
