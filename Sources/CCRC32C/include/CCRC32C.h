#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Extends a CRC32C (Castagnoli) over `length` bytes. Start with crc = 0; the result is final
/// (pre- and post-inversion are applied inside), so it can be chained:
/// crc32c_extend(crc32c_extend(0, a, n), b, m) == crc32c_extend(0, ab, n + m).
uint32_t crc32c_extend(uint32_t crc, const void *bytes, size_t length);

#endif
