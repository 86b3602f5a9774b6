// A state machine for tools, benchmarks and system tests: it keeps how many
// commands it applied and a digest of all of them, so replicas can be
// compared, and answers each command with its zxid. Two integers: its
// snapshot is taken from a copy of itself (copyable_state_machine).
#pragma once

#include <cstdint>
#include <string>

#include "troupe/log/replicated_log.hpp"

namespace troupe::rlog {

class digest_machine : public copyable_state_machine<digest_machine> {
public:
  std::string apply(const std::string& command, uint64_t zxid) override {
    ++count_;
    for (unsigned char c : command)
      digest_ = (digest_ ^ c) * 0x100000001b3ULL;
    digest_ = (digest_ ^ zxid) * 0x100000001b3ULL;
    return std::to_string(zxid);
  }
  std::string snapshot() const override {
    return std::to_string(count_) + " " + std::to_string(digest_);
  }
  void restore(const std::string& snapshot) override {
    auto space = snapshot.find(' ');
    count_ = std::stoull(snapshot.substr(0, space));
    digest_ = std::stoull(snapshot.substr(space + 1));
  }
  uint64_t count() const { return count_; }
  uint64_t digest() const { return digest_; }

private:
  uint64_t count_ = 0;
  uint64_t digest_ = 0xcbf29ce484222325ULL;
};

} // namespace troupe::rlog
