#include "troupe/persistence/checksum.hpp"

#include <algorithm>
#include <climits>

#include <zlib.h>

namespace troupe::persistence {

uint32_t crc32(std::string_view bytes, uint32_t crc) {
  uLong c = crc;
  auto* p = reinterpret_cast<const Bytef*>(bytes.data());
  size_t left = bytes.size();
  while (left > 0) { // zlib takes a uInt length
    auto n = static_cast<uInt>(std::min<size_t>(left, UINT_MAX));
    c = ::crc32(c, p, n);
    p += n;
    left -= n;
  }
  return static_cast<uint32_t>(c);
}

} // namespace troupe::persistence
