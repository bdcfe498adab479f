#define _GNU_SOURCE
#include "CMappedFile.h"
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pthread.h>

// Enough for `--jobs` on any machine this runs on; a reader without a slot falls back to libpcap.
#define SLOTS 64

struct slot {
    atomic_int used;
    _Atomic(uintptr_t) base;
    _Atomic(size_t) length;
    atomic_int tripped;
};

static struct slot slots[SLOTS];
static struct sigaction previous;
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *info, void *context) {
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t base = atomic_load(&slots[i].base);
        size_t length = atomic_load(&slots[i].length);
        if (base != 0 && address >= base && address < base + length) {
            // The file shrank under the mapping: zero pages from the faulting page to the window's
            // end make the access (and any later one) read zeros; the reader sees `tripped` and stops.
            uintptr_t page = address & ~((uintptr_t)sysconf(_SC_PAGESIZE) - 1);
            mmap((void *)page, base + length - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            atomic_store(&slots[i].tripped, 1);
            return;
        }
    }
    // Not ours: hand it to whoever had SIGBUS before, or die as the default action would.
    if (previous.sa_flags & SA_SIGINFO) {
        if (previous.sa_sigaction) { previous.sa_sigaction(sig, info, context); return; }
    } else if (previous.sa_handler != SIG_IGN && previous.sa_handler != SIG_DFL && previous.sa_handler) {
        previous.sa_handler(sig);
        return;
    }
    signal(SIGBUS, SIG_DFL);
    raise(SIGBUS);
}

static void install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &previous);
}

int tlsdiag_mapguard_claim(void) {
    pthread_once(&installed, install);
    for (int i = 0; i < SLOTS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&slots[i].used, &expected, 1)) {
            atomic_store(&slots[i].tripped, 0);
            return i;
        }
    }
    return -1;
}

void tlsdiag_mapguard_set(int slot, const void *base, size_t length) {
    if (slot < 0 || slot >= SLOTS) return;
    atomic_store(&slots[slot].base, (uintptr_t)0);
    atomic_store(&slots[slot].length, length);
    atomic_store(&slots[slot].base, (uintptr_t)base);
}

const volatile int *tlsdiag_mapguard_flag(int slot) {
    static const volatile int never = 0;
    if (slot < 0 || slot >= SLOTS) return &never;
    // atomic_int has int's size and alignment here; the handler's atomic store is seen by a plain
    // volatile read on the same thread (the fault happens inside the reader's own access).
    return (const volatile int *)&slots[slot].tripped;
}

void tlsdiag_mapguard_release(int slot) {
    if (slot < 0 || slot >= SLOTS) return;
    tlsdiag_mapguard_set(slot, NULL, 0);
    atomic_store(&slots[slot].used, 0);
}
