#ifndef TLSDIAG_CMAPPEDFILE_H
#define TLSDIAG_CMAPPEDFILE_H

#include <stddef.h>

/// A guard against SIGBUS on a memory-mapped capture file that another program shrinks while it is
/// read (a `tcpdump -C/-W` ring rewriting its oldest file). A reader claims a slot, registers each
/// window it maps, and asks after every record whether the slot was tripped. A fault inside a
/// registered window does not kill the process: the rest of the window is replaced by zero pages,
/// the slot is marked tripped, and the reader stops, saying the file shrank. Faults anywhere else go
/// to the handler that was installed before (the Swift runtime's backtracer, or the default action).

/// Claims a slot (installing the handler on first use); -1 when all slots are taken (the caller then
/// reads without a mapping).
int tlsdiag_mapguard_claim(void);
/// Registers the window [base, base + length) for the slot; base NULL clears it.
void tlsdiag_mapguard_set(int slot, const void *base, size_t length);
/// Gives the slot back.
void tlsdiag_mapguard_release(int slot);
/// Where the slot's tripped flag lives (set when a fault hit the slot's window since it was
/// claimed), so a reader can ask per record without a call (`tlsdiag_mapguard_flag_set`).
const volatile int *tlsdiag_mapguard_flag(int slot);
static inline int tlsdiag_mapguard_flag_set(const volatile int *flag) { return *flag; }

/// Reads one byte so that the compiler cannot drop the read: a fault, if the file shrank, happens here.
static inline void tlsdiag_touch(const void *p) { (void)*(const volatile unsigned char *)p; }

/// Asks the CPU to start loading the cache lines at `p` and `p + 64` (the next record's header and the
/// start of its frame) while the current record is analysed: the capture streams through memory once,
/// so without it each frame's first read waits for memory.
static inline void tlsdiag_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
    __builtin_prefetch((const char *)p + 64, 0, 3);
}

/// Asks the CPU to start loading the cache line at `p` (a hint: no fault, no effect on what is read).
static inline void tlsdiag_prefetch_line(const void *p) { __builtin_prefetch(p, 0, 3); }

#endif
