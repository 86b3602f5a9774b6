// Child processes for `troupe local`, benchmarks and system tests: start a
// program, read its stdout line by line with a deadline, signal it, reap it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace troupe::runtime {

class child_process {
public:
  /// Starts `path` with `args` (argv[1..]). stdout is captured (read_line);
  /// stderr is inherited unless `quiet` (then it goes to /dev/null).
  /// Throws std::runtime_error if the program cannot be started.
  child_process(const std::string& path, const std::vector<std::string>& args, bool quiet = false);
  ~child_process(); // kills (SIGKILL) and reaps a child still running
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }

  /// Next line of the child's stdout, or nullopt on timeout or end of output.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);

  /// Reads lines until one starts with `prefix`; returns it (without the
  /// prefix), or nullopt on timeout / end of output.
  std::optional<std::string> wait_for_line(const std::string& prefix, std::chrono::milliseconds timeout);

  void signal(int sig);
  /// Waits for exit; returns the exit status (128+signal if killed), or
  /// nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  /// Returns the exit status if the child has exited, without blocking.
  std::optional<int> poll();
  bool running();

private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  std::optional<int> status_;
};

/// A TCP port on 127.0.0.1 that was free a moment ago, below the kernel's
/// ephemeral range (so no outgoing connection can take it before a child binds
/// it) and reserved for the rest of this process by a lock file, so parallel
/// test processes and later calls never get the same port.
uint16_t pick_free_port();

} // namespace troupe::runtime
