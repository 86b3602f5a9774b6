// The inputs and outputs of data_tree operations.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/keeper/acl.hpp"
#include "troupe/keeper/create_mode.hpp"
#include "troupe/keeper/errors.hpp"
#include "troupe/keeper/stat.hpp"
#include "troupe/keeper/watch_event.hpp"

namespace troupe::keeper {

// Everything a write needs from its transaction. The tree never reads a
// clock: times come from here, so every replica computes identical stats.
struct txn_context {
  int64_t zxid = 0;
  int64_t time_ms = 0;
  int64_t session_id = 0; // owner of ephemerals this txn creates
};

// Result of every single write (create, remove, set_data, set_acl,
// remove_container). On error nothing changed and events is empty.
struct write_result {
  error err = error::ok;
  std::string path; // the node written; for create the actual (sequential) name
  stat st;          // node's stat after the write (create, set_data, set_acl)
  watch_events events;
};

// Reads. On error the other fields are empty/zero.
struct data_result {
  error err = error::ok;
  std::string data;
  stat st;
};
struct stat_result {
  error err = error::ok;
  stat st;
};
struct children_result {
  error err = error::ok;
  std::vector<std::string> children; // names, sorted
  stat st;
};
struct acl_result {
  error err = error::ok;
  acl_list acls;
  stat st;
};
struct count_result {
  error err = error::ok;
  int32_t count = 0;
};

// One operation of a multi (ZooKeeper's Op): create, delete, setData, check.
enum class op_type { create, remove, set_data, check };

struct op {
  op_type type = op_type::check;
  std::string path;
  std::string data;                          // create, set_data
  acl_list acls;                             // create
  create_mode mode = create_mode::persistent; // create
  int64_t ttl_ms = no_ttl;                   // create with a TTL mode
  int32_t version = -1;                      // remove, set_data, check; -1 = any

  static op create(std::string path, std::string data, acl_list acls,
                   create_mode mode = create_mode::persistent, int64_t ttl_ms = no_ttl);
  static op remove(std::string path, int32_t version = -1);
  static op set_data(std::string path, std::string data, int32_t version = -1);
  static op check(std::string path, int32_t version);
};

struct op_result {
  op_type type = op_type::check;
  error err = error::ok;
  std::string path; // create: the created path
  stat st;          // create, set_data
};

// A multi either applies every op or none. On failure (ZooKeeper's rules):
// ops before the failing one report ok, the failing op its own error, the
// ops after it runtime_inconsistency; err is the failing op's error and
// events is empty. On success events are every op's events in op order.
struct multi_result {
  error err = error::ok;
  std::vector<op_result> results;
  watch_events events;
};

// close_session: the ephemerals deleted (sorted) and the events fired.
struct close_result {
  std::vector<std::string> deleted;
  watch_events events;
};

} // namespace troupe::keeper
