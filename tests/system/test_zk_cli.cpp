// `troupe zk` and Ctrl-C: it ends within its grace period even while the
// client still waits for a member that never answers (the signal ends it,
// as an unhandled SIGINT would; the client alone would wait its connect
// timeout and exit 3).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include "troupe/runtime/process.hpp"

using namespace std::chrono_literals;

namespace {

// A listening socket nobody answers on: connections complete in the
// kernel's backlog and then hear nothing.
struct silent_listener {
  int fd = -1;
  uint16_t port = 0;
  silent_listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd, 16) != 0)
      throw std::runtime_error("cannot listen");
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~silent_listener() { ::close(fd); }
  // True once a client's connection is waiting (the client is connecting).
  bool connection_pending(std::chrono::milliseconds limit) const {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(limit.count())) == 1;
  }
};

} // namespace

TEST(ZkCli, SigintEndsItWhileNoMemberAnswers) {
  silent_listener member;
  // A 60 s session and 5 s connect wait: without the signal it would stay.
  troupe::runtime::child_process zk{
    TROUPE_BINARY, {"zk", "--server", "127.0.0.1:" + std::to_string(member.port), "--timeout", "60000", "ls", "/"},
    true};
  ASSERT_TRUE(member.connection_pending(10s));
  zk.signal(SIGINT);
  auto status = zk.wait(20s);
  ASSERT_TRUE(status) << "troupe zk did not exit after SIGINT";
  EXPECT_EQ(*status, 128 + SIGINT); // killed by the signal, not its own exit code
}

TEST(ZkCli, SigtermEndsItToo) {
  silent_listener member;
  troupe::runtime::child_process zk{
    TROUPE_BINARY, {"zk", "--server", "127.0.0.1:" + std::to_string(member.port), "watch", "/"}, true};
  ASSERT_TRUE(member.connection_pending(10s));
  zk.signal(SIGTERM);
  auto status = zk.wait(20s);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 128 + SIGTERM);
}
