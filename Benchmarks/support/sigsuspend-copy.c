// Preloaded under valgrind by Benchmarks/profile. libdispatch's main thread (after dispatchMain)
// waits in sigsuspend() with a mask in read-only memory; valgrind 3.19 edits that mask in place and
// crashes. Handing the kernel a copy on the stack avoids it; nothing else changes.
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}
