// The store's replicated state: a sorted map of keys to values, a
// deterministic state machine on troupe's replicated log. Every replica
// applies the same committed commands in the same order and ends up with
// the same map; snapshots let the log be compacted and new replicas start.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "troupe/log/replicated_log.hpp"

namespace kv {

/// A command as the log carries it: 'P' key value, or 'D' key (lengths
/// prefixed, so keys and values may hold any bytes).
std::string put_command(const std::string& key, const std::string& value);
std::string delete_command(const std::string& key);

class kv_machine : public troupe::rlog::state_machine {
public:
  /// Applies a command; answers with the previous value ("" + found flag
  /// first byte: '1' found, '0' not).
  std::string apply(const std::string& command, uint64_t zxid) override;
  std::string snapshot() const override;
  void restore(const std::string& snapshot) override;
  /// A read on this replica: the key's value ('1' + value) or '0'.
  std::string query(const std::string& key) override;

  size_t size() const { return data_.size(); }
  std::optional<std::string> get(const std::string& key) const;

private:
  std::map<std::string, std::string> data_;
};

} // namespace kv
