// Expects a call to throw persistence::storage_error with a one-line message
// that contains every needle.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "troupe/persistence/kv_store.hpp"

namespace troupe::test {

template <class F>
void expect_storage_error(F&& f, std::vector<std::string> needles) {
  try {
    f();
    ADD_FAILURE() << "no storage_error thrown";
  } catch (const persistence::storage_error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    for (const auto& n : needles)
      EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
  }
}

} // namespace troupe::test
