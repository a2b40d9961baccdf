#include "CCRC32C.h"

// Placeholder: bitwise implementation, replaced by the SSE4.2 / slicing-by-8 version.
uint32_t crc32c_extend(uint32_t crc, const void *bytes, size_t length) {
    const uint8_t *p = bytes;
    crc = ~crc;
    while (length--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    }
    return ~crc;
}
