// Seeds for simulation tests. A test runs `count` seeds starting at `first`;
// TROUPE_SEED=<n> replays exactly one seed, TROUPE_SEEDS=<count> changes how
// many run (for long sweeps). A failing seed is printed by the test.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace troupe::sim {

inline std::vector<uint64_t> seeds(uint64_t first, size_t count) {
  if (auto* one = std::getenv("TROUPE_SEED"))
    return {std::stoull(one)};
  if (auto* n = std::getenv("TROUPE_SEEDS"))
    count = std::stoull(n);
  std::vector<uint64_t> result;
  for (size_t i = 0; i < count; ++i)
    result.push_back(first + i);
  return result;
}

inline std::string replay_hint(uint64_t seed) {
  return "replay with TROUPE_SEED=" + std::to_string(seed);
}

} // namespace troupe::sim
