// Session ids and passwords. The member that creates a session draws both
// and puts them in the CreateSession transaction, so every replica records
// the same session; the state machine refuses an id that is taken (the
// member then draws again). Ids keep ZooKeeper's shape: the creating
// member's id in the top byte, 56 random bits below, never zero.
//
// The randomness comes from a random_source the member is given: the OS's
// CSPRNG in production (os_random_source, member.hpp), a generator seeded
// from the node's seed() in simulations (tests/sim/keeper_harness.hpp), so
// a simulated run replays. Nothing
// here draws randomness by itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace troupe::keeper {

/// Fills `n` bytes at `out` with random bytes.
using random_source = std::function<void(unsigned char* out, std::size_t n)>;

/// Bytes in a session password (ZooKeeper: 16).
inline constexpr std::size_t session_password_bytes = 16;

/// (member's low byte) << 56 | the low 56 bits of `random` (1 if those are
/// all zero). Member 255 gets 0 in the top byte: 0xFF there marks TTL
/// nodes' ephemeral_owner encoding, which no session may own.
int64_t compose_session_id(uint32_t member, uint64_t random);

struct session_credentials {
  int64_t id = 0;
  std::string password; // session_password_bytes bytes
};

/// A fresh id (for `member`) and password from `random`.
session_credentials draw_session_credentials(const random_source& random, uint32_t member);

} // namespace troupe::keeper
