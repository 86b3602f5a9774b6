// The checksum of snapshot contents, on disk and on the wire: zlib's crc32
// (pure, no I/O; the protocol cores use it to verify what they receive).
#pragma once

#include <cstdint>
#include <string_view>

namespace troupe::persistence {

/// crc32 of `bytes`, continuing `crc` (0 starts a new checksum), so that
/// crc32(b, crc32(a)) == crc32(a + b).
uint32_t crc32(std::string_view bytes, uint32_t crc = 0);

} // namespace troupe::persistence
