// Create modes and ephemeral_owner encodings.
#include "troupe/keeper/create_mode.hpp"

namespace troupe::keeper {

namespace {

constexpr uint64_t extended_mask = 0xFF00000000000000ull;
constexpr uint64_t reserved_bits_mask = 0x00FFFF0000000000ull; // feature id; TTL is 0
constexpr uint64_t value_mask = ~(extended_mask | reserved_bits_mask);

} // namespace

std::optional<create_mode> create_mode_from_flag(int32_t flag) {
  if (flag < 0 || flag > 6)
    return std::nullopt;
  return static_cast<create_mode>(flag);
}

bool is_ephemeral(create_mode m) {
  return m == create_mode::ephemeral || m == create_mode::ephemeral_sequential;
}

bool is_sequential(create_mode m) {
  return m == create_mode::persistent_sequential || m == create_mode::ephemeral_sequential
         || m == create_mode::persistent_sequential_with_ttl;
}

bool is_container(create_mode m) { return m == create_mode::container; }

bool is_ttl(create_mode m) {
  return m == create_mode::persistent_with_ttl || m == create_mode::persistent_sequential_with_ttl;
}

ephemeral_type ephemeral_type_of(int64_t owner) {
  auto u = static_cast<uint64_t>(owner);
  if (owner == 0)
    return ephemeral_type::persistent;
  if (owner == container_ephemeral_owner)
    return ephemeral_type::container;
  if ((u & extended_mask) == extended_mask && (u & reserved_bits_mask) == 0)
    return ephemeral_type::ttl;
  return ephemeral_type::ephemeral;
}

std::optional<int64_t> ttl_ephemeral_owner(int64_t ttl_ms) {
  if (ttl_ms <= 0 || ttl_ms > max_ttl_ms)
    return std::nullopt;
  return static_cast<int64_t>(extended_mask | static_cast<uint64_t>(ttl_ms));
}

int64_t ttl_of_owner(int64_t owner) {
  if (ephemeral_type_of(owner) != ephemeral_type::ttl)
    return 0;
  return static_cast<int64_t>(static_cast<uint64_t>(owner) & value_mask);
}

bool valid_ephemeral_session(int64_t session_id) {
  return session_id != 0
         && (static_cast<uint64_t>(session_id) & extended_mask) != extended_mask
         && session_id != container_ephemeral_owner;
}

} // namespace troupe::keeper
