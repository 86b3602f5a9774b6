// troupe as an installed CMake package: `cmake --install` into a temporary
// prefix, then the out-of-tree example examples/kv-store is configured and
// built against that prefix only (find_package(troupe)), its simulation test
// runs, and its nodes run as separate processes with a Keeper ensemble.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <thread>

#include "../support/temp_dir.hpp"
#include "../system/keeper_ensemble.hpp"
#include "troupe/runtime/process.hpp"

using namespace std::chrono_literals;

namespace {

struct command_result {
  int status = -1;
  std::string output;
};

// Runs `cmd` through the shell, stdout and stderr together.
command_result run(const std::string& cmd, std::chrono::seconds limit = 600s) {
  troupe::runtime::child_process p{"/bin/sh", {"-c", cmd + " 2>&1"}};
  command_result r;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto line = p.read_line(1000ms);
    if (line) {
      r.output += *line + "\n";
    } else if (auto st = p.poll()) {
      r.status = *st;
      return r;
    }
  }
  r.output += "(timed out)\n";
  return r;
}

std::string shell_quoted(const std::string& s) { return "'" + s + "'"; }

class InstalledPackage : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = new troupe::test::temp_dir;
    prefix = dir->sub("prefix");
    example = dir->sub("kv-build");
    installed = run("cmake --install " + shell_quoted(TROUPE_BUILD_DIR) + " --prefix " + shell_quoted(prefix));
    if (installed.status != 0)
      return;
    std::string launcher;
    if (std::system("command -v ccache >/dev/null") == 0)
      launcher = " -DCMAKE_CXX_COMPILER_LAUNCHER=ccache";
    built = run("cmake -S " + shell_quoted(std::string{TROUPE_SOURCE_DIR} + "/examples/kv-store") + " -B " +
                shell_quoted(example) + " -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH=" +
                shell_quoted(prefix) + launcher + " && cmake --build " + shell_quoted(example) + " -j2");
  }
  static void TearDownTestSuite() { delete dir; }

  static inline troupe::test::temp_dir* dir = nullptr;
  static inline std::string prefix, example;
  static inline command_result installed, built;
};

TEST_F(InstalledPackage, InstallsHeadersLibrariesAndPackageConfig) {
  ASSERT_EQ(installed.status, 0) << installed.output;
  namespace fs = std::filesystem;
  EXPECT_TRUE(fs::exists(prefix + "/lib/cmake/troupe/troupeConfig.cmake"));
  EXPECT_TRUE(fs::exists(prefix + "/lib/cmake/troupe/troupeConfigVersion.cmake"));
  EXPECT_TRUE(fs::exists(prefix + "/include/troupe/keeper/client.hpp"));
  EXPECT_TRUE(fs::exists(prefix + "/include/troupe/wire/log.pb.h"));
  EXPECT_TRUE(fs::exists(prefix + "/bin/troupe"));
}

TEST_F(InstalledPackage, BlockingClientHeadersDoNotIncludeCaf) {
  ASSERT_EQ(installed.status, 0) << installed.output;
  std::string headers;
  for (auto h : {"client.hpp", "recipes/lock.hpp", "recipes/election.hpp", "recipes/membership.hpp",
                 "recipes/barrier.hpp", "recipes/queue.hpp", "recipes/counter.hpp", "recipes/config.hpp",
                 "recipes/rwlock.hpp"})
    headers += " -include " + shell_quoted(prefix + "/include/troupe/keeper/" + h);
  // The preprocessor names every file it includes in its line markers.
  auto r = run("c++ -std=c++17 -E -x c++ /dev/null -I" + shell_quoted(prefix + "/include") + headers);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("/caf/"), std::string::npos) << "a blocking-client header pulls in CAF";
}

TEST_F(InstalledPackage, OutOfTreeExampleBuildsAndPassesItsSimulation) {
  ASSERT_EQ(built.status, 0) << built.output;
  auto r = run(shell_quoted(example + "/kv_sim_test"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("[  PASSED  ] 1 test"), std::string::npos) << r.output;
}

TEST_F(InstalledPackage, KeeperClientAloneLinksNoLogAndNoLevelDb) {
  ASSERT_EQ(built.status, 0) << built.output;
  auto libs = run("ldd " + shell_quoted(example + "/kv-nodes"));
  ASSERT_EQ(libs.status, 0) << libs.output;
  EXPECT_EQ(libs.output.find("leveldb"), std::string::npos) << libs.output;
  EXPECT_EQ(libs.output.find("boost_program_options"), std::string::npos) << libs.output;
  auto syms = run("nm -C " + shell_quoted(example + "/kv-nodes") + " | grep -c 'troupe::rlog::' || true");
  EXPECT_EQ(syms.output, "0\n") << "the replicated log was linked into a client-only program";
}

TEST_F(InstalledPackage, ExampleNodesRunAsProcessesAndSurviveAMemberKill) {
  ASSERT_EQ(built.status, 0) << built.output;
  troupe::test::keeper_ensemble keeper;
  ASSERT_TRUE(keeper.started);
  std::string members;
  std::vector<uint16_t> ports;
  for (int i = 1; i <= 3; ++i) {
    ports.push_back(troupe::runtime::pick_free_port());
    members += (i > 1 ? "," : "") + std::to_string(i) + "=127.0.0.1:" + std::to_string(ports.back());
  }
  auto node = example + "/kv-node";
  std::vector<std::unique_ptr<troupe::runtime::child_process>> nodes;
  for (int i = 1; i <= 3; ++i)
    nodes.push_back(std::make_unique<troupe::runtime::child_process>(
      node, std::vector<std::string>{"--members", members, "--id", std::to_string(i), "--data-dir",
                                     dir->sub("m" + std::to_string(i)), "--keeper", keeper.connect,
                                     "--log-level", "warn"}));
  auto follower_port = troupe::runtime::pick_free_port();
  nodes.push_back(std::make_unique<troupe::runtime::child_process>(
    node, std::vector<std::string>{"--members", members, "--node", "f1", "--port", std::to_string(follower_port),
                                   "--data-dir", dir->sub("f1"), "--keeper", keeper.connect, "--log-level", "warn"}));
  for (auto& n : nodes)
    ASSERT_TRUE(n->wait_for_line("kv-node ", 20s).has_value());

  auto kv = shell_quoted(example + "/kv") + " --keeper " + shell_quoted(keeper.connect);
  auto listed = run(shell_quoted(example + "/kv-nodes") + " --keeper " + shell_quoted(keeper.connect));
  ASSERT_EQ(listed.status, 0) << listed.output;
  EXPECT_EQ(listed.output, "f1 127.0.0.1:" + std::to_string(follower_port) + "\nm1 127.0.0.1:" +
                             std::to_string(ports[0]) + "\nm2 127.0.0.1:" + std::to_string(ports[1]) +
                             "\nm3 127.0.0.1:" + std::to_string(ports[2]) + "\n");
  // A write through whichever node Keeper names first (f1), read back through a member.
  auto put = run(kv + " put greeting hello");
  ASSERT_EQ(put.status, 0) << put.output;
  auto get = run(shell_quoted(example + "/kv") + " --node m2=127.0.0.1:" + std::to_string(ports[1]) + " get greeting");
  EXPECT_EQ(get.status, 0) << get.output;
  EXPECT_EQ(get.output, "hello\n");
  auto missing = run(kv + " get nothing-here");
  EXPECT_EQ(missing.status, 1) << missing.output;
  auto bad = run(kv + " frobnicate x");
  EXPECT_EQ(bad.status, 2) << bad.output;

  // kill -9 of a member: the two others still commit; the dead one leaves Keeper's list.
  nodes[0]->signal(SIGKILL);
  nodes[0]->wait(5s);
  auto put2 = run(kv + " put greeting again");
  EXPECT_EQ(put2.status, 0) << put2.output;
  EXPECT_EQ(put2.output, "hello\n") << "put answers with the previous value";
  auto get2 = run(shell_quoted(example + "/kv") + " --node f1=127.0.0.1:" + std::to_string(follower_port) + " get greeting");
  EXPECT_EQ(get2.output, "again\n") << get2.output;
}

} // namespace
