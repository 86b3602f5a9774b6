// SHA-1 (FIPS 180-4), only because ZooKeeper's "digest" ACL scheme is defined
// as base64(sha1("user:password")). Not for anything security-critical.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace troupe::keeper {

using sha1_digest = std::array<uint8_t, 20>;

// Incremental hasher: update() any number of times, then finish() once.
class sha1 {
public:
  sha1();
  void update(std::string_view bytes);
  sha1_digest finish();

private:
  void block(const uint8_t* p);
  std::array<uint32_t, 5> h_;
  std::array<uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

sha1_digest sha1_of(std::string_view bytes);

// Lower-case hex of a digest (for tests and logs).
std::string to_hex(const sha1_digest& d);

} // namespace troupe::keeper
