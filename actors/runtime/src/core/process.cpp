#include "troupe/runtime/process.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <sys/file.h>
#include <sys/stat.h>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace troupe::runtime {

child_process::child_process(const std::string& path, const std::vector<std::string>& args,
                             bool quiet) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string{"pipe: "} + std::strerror(errno));
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error(std::string{"fork: "} + std::strerror(errno));
  if (pid_ == 0) {
    // Die with the parent, even if it is killed: an orphaned node would keep
    // its port and the parent's inherited pipes.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(fds[1], STDOUT_FILENO);
    if (quiet) {
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDERR_FILENO);
    }
    // The parent may block termination signals; a child must not inherit that.
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_UNBLOCK, &all, nullptr);
    ::execv(path.c_str(), argv.data());
    std::fprintf(stderr, "cannot start %s: %s\n", path.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::close(fds[1]);
  out_fd_ = fds[0];
}

child_process::~child_process() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::milliseconds(5000));
  }
  if (out_fd_ >= 0)
    ::close(out_fd_);
}

std::optional<std::string> child_process::read_line(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      auto line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || out_fd_ < 0)
      return std::nullopt;
    pollfd p{out_fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return std::nullopt;
    char buf[4096];
    auto n = ::read(out_fd_, buf, sizeof(buf));
    if (n <= 0) {
      ::close(out_fd_);
      out_fd_ = -1;
      continue;
    }
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

std::optional<std::string> child_process::wait_for_line(const std::string& prefix,
                                                        std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    auto line = read_line(left);
    if (!line)
      return std::nullopt;
    if (line->compare(0, prefix.size(), prefix) == 0)
      return line->substr(prefix.size());
  }
}

void child_process::signal(int sig) {
  if (!status_ && pid_ > 0)
    ::kill(pid_, sig);
}

namespace {
int decode(int raw) {
  if (WIFEXITED(raw))
    return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw))
    return 128 + WTERMSIG(raw);
  return 255;
}
} // namespace

std::optional<int> child_process::poll() {
  if (status_)
    return status_;
  int raw = 0;
  if (::waitpid(pid_, &raw, WNOHANG) == pid_)
    status_ = decode(raw);
  return status_;
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!poll()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

bool child_process::running() {
  return !poll();
}

namespace {

// The kernel's ephemeral range: ports it hands to outgoing connections and to
// bind(0). A port picked there can be taken by any connect() before the child
// that should listen on it gets to bind, so we pick below it.
std::pair<int, int> ephemeral_range() {
  int lo = 32768, hi = 60999;
  if (FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%d %d", &lo, &hi) != 2) {
      lo = 32768;
      hi = 60999;
    }
    std::fclose(f);
  }
  return {lo, hi};
}

bool can_bind(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// Holds an flock on <tmp>/troupe-ports-<uid>/<port> for the rest of this
// process, so concurrent test processes (ctest --parallel) and repeated calls
// in this one never hand out the same port.
bool reserve(const std::string& dir, uint16_t port) {
  auto path = dir + "/" + std::to_string(port);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return false;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return false;
  }
  static std::mutex mu;
  static std::vector<int> held; // kept open: the lock lives as long as we do
  std::lock_guard<std::mutex> guard{mu};
  held.push_back(fd);
  return true;
}

uint16_t kernel_assigned_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::runtime_error(std::string{"socket: "} + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string{"cannot find a free port: "} + std::strerror(errno));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

} // namespace

uint16_t pick_free_port() {
  auto [lo, hi] = ephemeral_range();
  (void) hi;
  constexpr int first = 10000;
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string{tmp && *tmp ? tmp : "/tmp"} + "/troupe-ports-"
                    + std::to_string(::getuid());
  ::mkdir(dir.c_str(), 0700);
  if (lo - first >= 1000) {
    std::mt19937 rng{std::random_device{}()};
    std::uniform_int_distribution<int> pick{first, lo - 1};
    for (int attempt = 0; attempt < 2000; ++attempt) {
      auto port = static_cast<uint16_t>(pick(rng));
      if (reserve(dir, port) && can_bind(port))
        return port;
    }
  }
  // No room below the ephemeral range (or all of it busy): let the kernel pick.
  return kernel_assigned_port();
}

} // namespace troupe::runtime
