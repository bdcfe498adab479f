#ifndef CJSONSCAN_H
#define CJSONSCAN_H

#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__SSE2__)
/// One bit per byte of v that JSONWriter escapes: below 0x20 (top three bits clear), '"', '\\', DEL.
static inline unsigned cjson_special_mask(__m128i v) {
    __m128i special = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xE0)), _mm_setzero_si128()),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))));
    return (unsigned)_mm_movemask_epi8(special);
}

/// Copies src[0..<n] to dst (room for n bytes) sixteen bytes at a time while no byte needs a JSON
/// escape (below 0x20, '"', '\\' or DEL, as JSONWriter escapes them), and returns the length of the
/// clean prefix: n when every byte is clean, else the offset of the first byte to escape (bytes of
/// dst past that offset may hold copies the caller overwrites). n must be at least 16: the last
/// partial block is the last sixteen bytes, overlapping bytes already checked (their bits are 0).
/// `static inline` so that Swift compiles it into the caller (no call per string).
static inline size_t cjson_copy_clean_prefix(const uint8_t *src, size_t n, uint8_t *dst) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(src + i));
        _mm_storeu_si128((__m128i *)(dst + i), v);
        unsigned mask = cjson_special_mask(v);
        if (mask != 0) return i + (size_t)__builtin_ctz(mask);
    }
    if (i == n) return n;
    i = n - 16;
    __m128i v = _mm_loadu_si128((const __m128i *)(src + i));
    _mm_storeu_si128((__m128i *)(dst + i), v);
    unsigned mask = cjson_special_mask(v);
    return mask != 0 ? i + (size_t)__builtin_ctz(mask) : n;
}
#endif /* __SSE2__: elsewhere JSONWriter escapes long strings in Swift */

#endif
