/*
 * Unit tests for skiff/closed.h's one mapping from a frame's read(2) or
 * write(2) to enum skiff_net_result (skiff/abi.h), which the hvt hypercalls,
 * the spt guest's direct-mode calls and the I/O thread's writes share: the
 * results of real system calls on a socket pair (data, empty, peer gone),
 * and the errors a TAP gives (EIO: down, so a write's frame is lost but the
 * device stays; EBADFD: deleted).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <sys/socket.h>

#include <cmocka.h>

#include "skiff/abi.h"
#include "skiff/closed.h"

/* A system call's result as the mapping takes it: bytes, or -errno. */
static int64_t sys(ssize_t n)
{
    return n < 0 ? -(int64_t)errno : (int64_t)n;
}

static void test_abi_values(void **state)
{
    (void)state;
    /* What NETWRITE/NETREAD put in ret: fixed by the ABI. */
    assert_int_equal(SKIFF_NET_OK, 0);
    assert_int_equal(SKIFF_NET_AGAIN, 1);
    assert_int_equal(SKIFF_NET_CLOSED, 2);
    assert_int_equal(SKIFF_NET_ERROR, -1);
}

static void test_socket_pair(void **state)
{
    (void)state;
    int sv[2];
    char buf[64];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);

    assert_int_equal(skiff_net_read_result(sys(read(sv[0], buf, sizeof buf))), SKIFF_NET_AGAIN);
    assert_int_equal(skiff_net_write_result(sys(write(sv[1], "frame", 5)), 5), SKIFF_NET_OK);
    assert_int_equal(skiff_net_read_result(sys(read(sv[0], buf, sizeof buf))), SKIFF_NET_OK);

    close(sv[1]); /* the peer goes away */
    assert_int_equal(skiff_net_read_result(sys(read(sv[0], buf, sizeof buf))), SKIFF_NET_CLOSED);
    assert_int_equal(skiff_net_write_result(sys(send(sv[0], "x", 1, MSG_NOSIGNAL)), 1),
                     SKIFF_NET_CLOSED);
    close(sv[0]);
}

static void test_errors(void **state)
{
    (void)state;
    /* A TAP that is down: reads say closed, a write only loses its frame. */
    assert_int_equal(skiff_net_read_result(-EIO), SKIFF_NET_CLOSED);
    assert_int_equal(skiff_net_write_result(-EIO, 60), SKIFF_NET_ERROR);
    /* A deleted TAP: closed both ways. */
    assert_int_equal(skiff_net_read_result(-EBADFD), SKIFF_NET_CLOSED);
    assert_int_equal(skiff_net_write_result(-EBADFD, 60), SKIFF_NET_CLOSED);
    /* Transient or frame-sized trouble: this frame only. */
    assert_int_equal(skiff_net_read_result(-ENOBUFS), SKIFF_NET_ERROR);
    assert_int_equal(skiff_net_write_result(-EMSGSIZE, 60), SKIFF_NET_ERROR);
    assert_int_equal(skiff_net_write_result(59, 60), SKIFF_NET_ERROR); /* short */
    assert_int_equal(skiff_net_write_result(-EWOULDBLOCK, 60), SKIFF_NET_AGAIN);
    assert_int_equal(skiff_net_read_result(0), SKIFF_NET_CLOSED); /* end of file */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abi_values),
        cmocka_unit_test(test_socket_pair),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
