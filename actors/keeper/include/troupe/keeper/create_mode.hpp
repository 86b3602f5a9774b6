// Create modes (ZooKeeper's CreateMode flags) and the ephemeral_owner
// encodings behind them (ZooKeeper's EphemeralType).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

namespace troupe::keeper {

enum class create_mode : int32_t {
  persistent = 0,
  ephemeral = 1,
  persistent_sequential = 2,
  ephemeral_sequential = 3,
  container = 4,
  persistent_with_ttl = 5,
  persistent_sequential_with_ttl = 6,
};

// The mode of a wire flag; std::nullopt for an unknown flag (ZooKeeper
// answers BadArguments).
std::optional<create_mode> create_mode_from_flag(int32_t flag);

bool is_ephemeral(create_mode m);  // ephemeral, ephemeral_sequential
bool is_sequential(create_mode m); // the three *_sequential modes
bool is_container(create_mode m);
bool is_ttl(create_mode m);        // persistent(_sequential)_with_ttl

// What a node's raw ephemeral_owner means.
enum class ephemeral_type {
  persistent, // 0 (ZooKeeper's VOID)
  ephemeral,  // a session id (NORMAL)
  container,  // exactly 0x8000000000000000
  ttl,        // high byte 0xFF, next two bytes 0, low 40 bits the TTL in ms
};

inline constexpr int64_t container_ephemeral_owner = std::numeric_limits<int64_t>::min();
// The TTL lives in the low 40 bits: at most 2^40 - 1 ms (about 34 years).
inline constexpr int64_t max_ttl_ms = (int64_t{1} << 40) - 1;
// What callers pass as ttl_ms for modes without a TTL (ZooKeeper: -1).
inline constexpr int64_t no_ttl = -1;

// Classifies an owner. Unlike ZooKeeper, the TTL encoding is recognised
// whether or not extended types are enabled, so that turning the option off
// never reinterprets existing TTL nodes as ephemerals of a bogus session.
ephemeral_type ephemeral_type_of(int64_t ephemeral_owner);

// 0xFF00000000000000 | ttl_ms for 0 < ttl_ms <= max_ttl_ms, else nullopt.
std::optional<int64_t> ttl_ephemeral_owner(int64_t ttl_ms);

// The TTL of a TTL node's owner, 0 for any other owner.
int64_t ttl_of_owner(int64_t ephemeral_owner);

// Whether a session id can own ephemerals: not 0 and not one of the reserved
// encodings above (ZooKeeper's session ids never are; we check anyway).
bool valid_ephemeral_session(int64_t session_id);

} // namespace troupe::keeper
