// A throwaway Apache ZooKeeper ensemble on this machine, for `troupe bench
// keeper`: the reference the troupe Keeper is measured against. It runs the
// Debian package's ZooKeeper (3.8, /usr/share/java/zookeeper.jar) as child
// JVMs on 127.0.0.1 with fsync on (like troupe), each server in its own
// directory under a fresh temporary base directory (zoo.cfg, myid, data,
// logs), and removes all of it on destruction. Each server's pid and the
// current leader are exposed so a benchmark can kill the leader under load
// and time the failover. The JVMs die with the thread that created the
// ensemble (child_process sets PR_SET_PDEATHSIG): create it on a thread that
// outlives it. Ports come from pick_free_port (reserved, below the ephemeral
// range); a port some unrelated program binds meanwhile shows as "server N exited".
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "troupe/runtime/process.hpp"

namespace troupe::cli {

struct zookeeper_ensemble_options {
  int servers = 3;
  /// Parent of the temporary base directory; empty: $TMPDIR, else /tmp.
  /// Put it on the same file system as troupe's data for a fair fsync.
  std::string parent_dir;
  /// Empty: $JAVA_HOME/bin/java if set, else /usr/bin/java.
  std::string java;
  std::string heap = "1g"; // -Xmx
  std::chrono::milliseconds start_timeout{60000};
  /// Keep the base directory (logs) when the constructor fails.
  bool keep_dir_on_failure = true;
};

class zookeeper_ensemble {
public:
  /// Writes the configuration, starts every server and waits until the
  /// ensemble has a leader and all servers serve (4lw "srvr" answers with
  /// Mode: leader or follower). Throws std::runtime_error with a one-line
  /// reason (naming the server and its log) otherwise.
  explicit zookeeper_ensemble(zookeeper_ensemble_options opts = {});
  /// SIGTERM, then SIGKILL after a grace period; removes the base directory.
  ~zookeeper_ensemble();
  zookeeper_ensemble(const zookeeper_ensemble&) = delete;
  zookeeper_ensemble& operator=(const zookeeper_ensemble&) = delete;

  /// "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3" for zookeeper_init.
  std::string connect_string() const;
  size_t size() const { return servers_.size(); }
  const std::string& base_dir() const { return base_dir_; }
  /// Server i (0-based; its ZooKeeper id is i + 1).
  uint16_t client_port(size_t i) const { return servers_.at(i).client_port; }
  const std::string& dir(size_t i) const { return servers_.at(i).dir; }
  /// -1 if the server is not running.
  pid_t pid(size_t i) const;
  bool running(size_t i) const;
  /// Seconds the constructor took from first exec to a ready ensemble.
  double start_seconds() const { return start_seconds_; }

  /// "leader", "follower", "observer", "standalone", or nullopt if the
  /// server does not answer or is not serving (4lw "srvr").
  std::optional<std::string> mode(size_t i, std::chrono::milliseconds timeout
                                            = std::chrono::milliseconds(1000)) const;
  /// Index of the server that currently says it is the leader, polling until
  /// `timeout`; nullopt if none does by then.
  std::optional<size_t> leader(std::chrono::milliseconds timeout
                               = std::chrono::milliseconds(0)) const;
  /// Waits until there is a leader and every running server serves.
  /// Returns an empty string, or a one-line reason on timeout.
  std::string wait_ready(std::chrono::milliseconds timeout) const;

  /// Sends `sig` to server i (SIGKILL for a crash) and, for SIGKILL/SIGTERM,
  /// reaps it. The directory and data stay; restart(i) brings it back.
  void kill(size_t i, int sig);
  /// Starts server i again (after kill) with the same configuration.
  void restart(size_t i);

private:
  struct server {
    int id = 0;
    std::string dir;
    uint16_t client_port = 0, quorum_port = 0, election_port = 0;
    std::unique_ptr<runtime::child_process> proc;
  };

  void write_config(const server& s) const;
  void launch(server& s);
  std::string log_hint(const server& s) const;

  zookeeper_ensemble_options opts_;
  std::string java_;
  std::string classpath_;
  std::string base_dir_;
  std::vector<server> servers_;
  double start_seconds_ = 0;
};

/// Sends a ZooKeeper four-letter-word command (e.g. "srvr", "ruok") to
/// 127.0.0.1:port; returns the reply, or nullopt on error or timeout.
std::optional<std::string> zookeeper_4lw(uint16_t port, const std::string& cmd,
                                         std::chrono::milliseconds timeout);

} // namespace troupe::cli
