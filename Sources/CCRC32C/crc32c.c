#include "CCRC32C.h"

#include <pthread.h>
#include <string.h>

// CRC32C (Castagnoli), reflected polynomial 0x82F63B78.
#define CRC32C_POLYNOMIAL 0x82f63b78u

// ---------------------------------------------------------------------------------------------
// Portable slicing-by-8.

static uint32_t crc32c_table[8][256];
static int crc32c_hardware;
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_initialize(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = n;
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (CRC32C_POLYNOMIAL & (0u - (crc & 1u)));
        }
        crc32c_table[0][n] = crc;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = crc32c_table[0][n];
        for (int slice = 1; slice < 8; slice++) {
            crc = crc32c_table[0][crc & 0xff] ^ (crc >> 8);
            crc32c_table[slice][n] = crc;
        }
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    crc32c_hardware = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#else
    crc32c_hardware = 0;
#endif
}

static inline uint64_t load_le64(const uint8_t *p) {
    uint64_t value;
    memcpy(&value, p, sizeof(value));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = __builtin_bswap64(value);
#endif
    return value;
}

static uint32_t crc32c_portable_raw(uint32_t crc, const uint8_t *p, size_t length) {
    while (length > 0 && ((uintptr_t)p & 7) != 0) {
        crc = crc32c_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        length--;
    }
    while (length >= 8) {
        uint64_t word = load_le64(p) ^ crc;
        crc = crc32c_table[7][word & 0xff] ^ crc32c_table[6][(word >> 8) & 0xff] ^
              crc32c_table[5][(word >> 16) & 0xff] ^ crc32c_table[4][(word >> 24) & 0xff] ^
              crc32c_table[3][(word >> 32) & 0xff] ^ crc32c_table[2][(word >> 40) & 0xff] ^
              crc32c_table[1][(word >> 48) & 0xff] ^ crc32c_table[0][word >> 56];
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        crc = crc32c_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
        length--;
    }
    return crc;
}

uint32_t crc32c_extend_portable(uint32_t crc, const void *bytes, size_t length) {
    pthread_once(&crc32c_once, crc32c_initialize);
    return ~crc32c_portable_raw(~crc, bytes, length);
}

// ---------------------------------------------------------------------------------------------
// SSE4.2: three independent crc32q streams over three equal blocks hide the instruction's
// 3-cycle latency. The CRC is linear in its state, so the partial CRCs are joined by shifting
// each over the length of the blocks after it (multiplication by x^(8·n) mod P).

#if defined(__x86_64__)

#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42_linear(uint32_t crc, const uint8_t *p, size_t length) {
    uint64_t crc64 = crc;
    while (length > 0 && ((uintptr_t)p & 7) != 0) {
        crc64 = _mm_crc32_u8((uint32_t)crc64, *p++);
        length--;
    }
    while (length >= 8) {
        crc64 = _mm_crc32_u64(crc64, load_le64(p));
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        crc64 = _mm_crc32_u8((uint32_t)crc64, *p++);
        length--;
    }
    return (uint32_t)crc64;
}

// Multiplication of two reflected polynomials modulo P (bitwise; used only for the shift constants).
static uint32_t gf2_multiply_modulo(uint32_t a, uint32_t b) {
    uint32_t product = 0;
    for (int bit = 0; bit < 32; bit++) {
        if (a & 0x80000000u) {
            product ^= b;
        }
        a <<= 1;
        b = (b >> 1) ^ (CRC32C_POLYNOMIAL & (0u - (b & 1u)));
    }
    return product;
}

// x^(8·n) mod P in reflected form: the operator that appends n zero bytes to a raw CRC.
static uint32_t zero_bytes_operator(size_t n) {
    uint32_t result = 0x80000000u;  // x^0
    uint32_t square = 0x00800000u;  // x^8
    while (n > 0) {
        if (n & 1) {
            result = gf2_multiply_modulo(result, square);
        }
        square = gf2_multiply_modulo(square, square);
        n >>= 1;
    }
    return result;
}

// Block size of each of the three streams, and its shift operators (computed once).
#define CRC32C_BLOCK 2048
static uint32_t crc32c_shift_one_block;
static uint32_t crc32c_shift_two_blocks;
static pthread_once_t crc32c_shift_once = PTHREAD_ONCE_INIT;

static void crc32c_initialize_shifts(void) {
    crc32c_shift_one_block = zero_bytes_operator(CRC32C_BLOCK);
    crc32c_shift_two_blocks = zero_bytes_operator(2 * CRC32C_BLOCK);
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t length) {
    if (length < 3 * CRC32C_BLOCK) {
        return crc32c_sse42_linear(crc, p, length);
    }
    pthread_once(&crc32c_shift_once, crc32c_initialize_shifts);
    while (length >= 3 * CRC32C_BLOCK) {
        uint64_t a = crc, b = 0, c = 0;
        const uint8_t *end = p + CRC32C_BLOCK;
        while (p < end) {
            a = _mm_crc32_u64(a, load_le64(p));
            b = _mm_crc32_u64(b, load_le64(p + CRC32C_BLOCK));
            c = _mm_crc32_u64(c, load_le64(p + 2 * CRC32C_BLOCK));
            p += 8;
        }
        p += 2 * CRC32C_BLOCK;
        length -= 3 * CRC32C_BLOCK;
        crc = gf2_multiply_modulo((uint32_t)a, crc32c_shift_two_blocks) ^
              gf2_multiply_modulo((uint32_t)b, crc32c_shift_one_block) ^ (uint32_t)c;
    }
    return crc32c_sse42_linear(crc, p, length);
}

#endif

uint32_t crc32c_extend(uint32_t crc, const void *bytes, size_t length) {
    pthread_once(&crc32c_once, crc32c_initialize);
#if defined(__x86_64__)
    if (crc32c_hardware) {
        return ~crc32c_sse42(~crc, bytes, length);
    }
#endif
    return ~crc32c_portable_raw(~crc, bytes, length);
}

int crc32c_is_hardware_accelerated(void) {
    pthread_once(&crc32c_once, crc32c_initialize);
    return crc32c_hardware;
}
