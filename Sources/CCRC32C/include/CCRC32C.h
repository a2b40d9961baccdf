#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Extends a CRC32C (Castagnoli) over `length` bytes. Start with crc = 0; the result is final
/// (pre- and post-inversion are applied inside), so it can be chained:
/// crc32c_extend(crc32c_extend(0, a, n), b, m) == crc32c_extend(0, ab, n + m).
/// Uses the SSE4.2 `crc32` instruction when the CPU has it, else the portable version.
uint32_t crc32c_extend(uint32_t crc, const void *bytes, size_t length);

/// The portable slicing-by-8 implementation, with the same contract as `crc32c_extend`.
uint32_t crc32c_extend_portable(uint32_t crc, const void *bytes, size_t length);

/// Whether `crc32c_extend` uses the hardware instruction on this CPU.
int crc32c_is_hardware_accelerated(void);

#endif
