// pick_free_port: ports for child processes in system tests and benchmarks.
#include "troupe/runtime/process.hpp"

#include <cstdio>
#include <gtest/gtest.h>
#include <set>

namespace {

int ephemeral_low() {
  int lo = 32768, hi = 60999;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%d %d", &lo, &hi) != 2)
      lo = 32768;
    std::fclose(f);
  }
  return lo;
}

} // namespace

TEST(FreePort, NeverRepeatsAndStaysBelowTheEphemeralRange) {
  std::set<uint16_t> seen;
  for (int i = 0; i < 200; ++i) {
    auto port = troupe::runtime::pick_free_port();
    EXPECT_TRUE(seen.insert(port).second) << "port " << port << " handed out twice";
    if (ephemeral_low() > 11000) {
      EXPECT_LT(port, ephemeral_low()) << "an outgoing connection could take this port";
    }
  }
}
