// The `troupe` binary's contract with scripts: help, versions, and one-line
// errors with non-zero exits for bad input.
#include <gtest/gtest.h>

#include "process_fixture.hpp"

namespace test = troupe::test;

namespace {
std::string cmd(const std::string& args) {
  return std::string{TROUPE_BINARY} + " " + args;
}
size_t lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}
} // namespace

TEST(Cli, HelpAndVersion) {
  auto [rc, out] = test::run_shell(cmd("--help"));
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("local"), std::string::npos);
  for (auto sub : {"node", "local", "bench rpc", "version"}) {
    auto [rc2, out2] = test::run_shell(cmd(std::string{sub} + " --help"));
    EXPECT_EQ(rc2, 0) << sub;
    EXPECT_NE(out2.find("usage: troupe"), std::string::npos) << sub;
  }
  auto [rc3, out3] = test::run_shell(cmd("version"));
  EXPECT_EQ(rc3, 0);
  EXPECT_EQ(out3.rfind("troupe 0.", 0), 0u) << out3;
}

TEST(Cli, BadInputGivesOneLineErrors) {
  struct bad {
    std::string args;
    int rc;
    std::string says;
  };
  std::vector<bad> cases{
    {"frobnicate", 2, "unknown command 'frobnicate'"},
    {"node --node n1 --bogus", 2, "unrecognised option '--bogus'"},
    {"node --port 7000", 2, "missing --node"},
    {"node --node 'bad name'", 2, "invalid node name"},
    {"node --node n1 --port 99999", 2, "out of range"},
    {"node --node n1 --peer n2=localhost", 2, "expected host:port"},
    {"node --node n1 --heartbeat-interval 1s --heartbeat-timeout 500ms", 2, "longer than"},
    {"node --node n1 --heartbeat-timeout soon", 2, "invalid duration"},
    {"node --node n1 --log-level loud", 2, "invalid --log-level"},
    {"node --node n1 --config /nonexistent.ini", 2, "cannot read config file"},
    {"node --node n1 --data-dir /proc/troupe", 1, "/proc/troupe"},
    {"local --members 2", 2, "1, 3, 5 or 7"},
    {"keeper --id 1 --members 1=127.0.0.1:1 --data-dir /tmp/x", 2, "--client-port"},
    {"zk ls /", 2, "--server is required"},
    {"zk --server nohost ls /", 2, "invalid server"},
    {"bench nosuch", 2, "unknown benchmark"},
  };
  for (auto& c : cases) {
    auto [rc, out] = test::run_shell(cmd(c.args));
    EXPECT_EQ(rc, c.rc) << c.args << ": " << out;
    EXPECT_NE(out.find(c.says), std::string::npos) << c.args << ": " << out;
    EXPECT_EQ(lines(out), 1u) << c.args << ": " << out;
  }
}

TEST(Cli, PortInUseIsAClearError) {
  auto port = troupe::runtime::pick_free_port();
  auto n1 = test::start_troupe_node("n1", port, {});
  ASSERT_TRUE(n1);
  auto [rc, out] = test::run_shell(cmd("node --node n2 --log-level warn --port " + std::to_string(port)));
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("cannot listen on 127.0.0.1:" + std::to_string(port)), std::string::npos) << out;
  EXPECT_EQ(lines(out), 1u) << out;
}

TEST(Cli, ConfigFileAndEnvironment) {
  auto dir = std::string{"/tmp/troupe-cli-test-"} + std::to_string(::getpid());
  auto port = troupe::runtime::pick_free_port();
  test::run_shell("mkdir -p " + dir + " && printf 'node = fromfile\\nport = " +
                  std::to_string(port) + "\\nlog-level = warn\\n' > " + dir + "/n.ini");
  // The file supplies name and port; the environment overrides the port.
  auto port2 = troupe::runtime::pick_free_port();
  troupe::runtime::child_process node{
    "/usr/bin/env",
    {"TROUPE_PORT=" + std::to_string(port2), TROUPE_BINARY, "node", "--config", dir + "/n.ini"}};
  auto where = node.wait_for_line("listening ", std::chrono::seconds(10));
  ASSERT_TRUE(where);
  EXPECT_EQ(*where, "127.0.0.1:" + std::to_string(port2));
  test::run_shell("rm -rf " + dir);
}
