// A Keeper ensemble as `troupe keeper` child processes on 127.0.0.1, for
// `troupe local` and `troupe bench keeper`: ports, the connect string,
// starting (again) a member, and which member leads (from /keeper).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "troupe/log/leader_status.hpp"
#include "troupe/runtime/process.hpp"
#include "troupe/runtime/tls.hpp"

namespace troupe::cli {

struct keeper_processes_options {
  size_t members = 3;
  uint16_t base_port = 0;      // members on BASE+i, clients on BASE+100+i; 0: free ports
  std::string data_dir;        // member i keeps its data in DATA_DIR/m<i+1>
  bool http = false;           // --http-port per member (needed by leader())
  std::string log_level = "warn";
  std::vector<std::string> extra; // more flags for every member
  bool tls = false;            // a throwaway CA in DATA_DIR/tls; members speak only mutual TLS
};

class keeper_processes {
public:
  /// Starts every member; throws std::runtime_error naming the member that
  /// did not start.
  explicit keeper_processes(keeper_processes_options opts);

  void start(size_t i);
  /// The member whose /keeper page says it leads (needs opts.http).
  std::optional<size_t> leader() const;
  /// That member and its leader status (acceptors' progress).
  std::optional<std::pair<size_t, rlog::leader_status>> leader_status() const;

  std::string connect_string() const;
  std::vector<std::pair<std::string, uint16_t>> servers() const;
  /// A client's certificate from the ensemble's CA (none without opts.tls).
  const runtime::tls_files& client_tls() const { return client_tls_; }
  /// What member i printed after "listening " (its addresses).
  const std::string& where(size_t i) const { return where_.at(i); }

  std::vector<std::unique_ptr<runtime::child_process>> members;

private:
  keeper_processes_options opts_;
  std::string spec_;
  std::vector<uint16_t> client_ports_, http_ports_;
  std::vector<std::string> where_;
  std::vector<runtime::tls_files> member_tls_;
  runtime::tls_files client_tls_;
};

} // namespace troupe::cli
