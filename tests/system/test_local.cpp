// `troupe local`'s happy path, as a new user meets it: it starts an ensemble,
// its self-check passes, the `troupe zk` command it prints works when pasted
// into a shell, Ctrl-C (SIGINT) stops every member it started, and a restart
// finds the data again. Its ports are picked like every test's
// (runtime::pick_free_port, reserved across processes), its data goes to a
// temporary directory.
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../support/temp_dir.hpp"
#include "process_fixture.hpp"
#include "troupe/runtime/process.hpp"

using namespace std::chrono_literals;
using troupe::runtime::child_process;

namespace {

// What `troupe local` printed up to "Ctrl-C stops the ensemble." (the last
// line before it waits), or up to the end of its output or the deadline.
struct startup {
  std::string out;                // every line, for failure messages
  std::vector<pid_t> members;     // from "  m<i> (pid <pid>) ..."
  std::optional<std::string> self_check; // after "troupe local: self-check: "
  std::optional<std::string> ls;  // the printed "  troupe zk --server ... ls /"
  bool waiting = false;           // it said Ctrl-C stops it
};

startup read_startup(child_process& local, std::chrono::milliseconds limit) {
  startup s;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!s.waiting) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto line = local.read_line(left);
    if (!line)
      break;
    s.out += *line + "\n";
    int index = 0;
    long pid = 0;
    if (std::sscanf(line->c_str(), "  m%d (pid %ld)", &index, &pid) == 2)
      s.members.push_back(static_cast<pid_t>(pid));
    const std::string check = "troupe local: self-check: ";
    if (line->rfind(check, 0) == 0)
      s.self_check = line->substr(check.size());
    if (line->rfind("  troupe zk ", 0) == 0 && line->size() > 5 && line->compare(line->size() - 5, 5, " ls /") == 0)
      s.ls = line->substr(2);
    s.waiting = *line == "Ctrl-C stops the ensemble.";
  }
  return s;
}

// Whether `ls` output ("[a, b]", as ZooKeeper's CLI prints it) has `name`.
bool lists(const std::string& out, const std::string& name) {
  std::istringstream lines{out};
  for (std::string line; std::getline(lines, line);) {
    if (line.size() < 2 || line.front() != '[' || line.back() != ']')
      continue;
    std::istringstream names{line.substr(1, line.size() - 2)};
    for (std::string n; std::getline(names, n, ',');) {
      n.erase(0, n.find_first_not_of(' '));
      if (n == name)
        return true;
    }
  }
  return false;
}

bool gone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

} // namespace

TEST(Local, StartsChecksItselfServesAndStopsOnCtrlC) {
  troupe::test::temp_dir dir;
  child_process local{TROUPE_BINARY, {"local", "--data-dir", dir.sub("data"), "--log-level", "warn"}};
  auto s = read_startup(local, 60s);
  ASSERT_TRUE(s.waiting) << "troupe local did not come up:\n" << s.out;
  ASSERT_EQ(s.members.size(), 3u) << s.out;
  for (auto pid : s.members)
    EXPECT_FALSE(gone(pid)) << "member pid " << pid << " is not running\n" << s.out;
  ASSERT_TRUE(s.self_check) << s.out;
  EXPECT_EQ(s.self_check->rfind("wrote and read /troupe/local (version ", 0), 0u) << *s.self_check;
  for (int i = 1; i <= 3; ++i)
    EXPECT_TRUE(std::filesystem::is_directory(dir.sub("data/m" + std::to_string(i)))) << "m" << i;

  // The printed command, pasted into a shell as it is; `troupe` is the
  // binary under test (the output says it is build/bin/troupe).
  ASSERT_TRUE(s.ls) << s.out;
  auto bin_dir = std::filesystem::path{TROUPE_BINARY}.parent_path().string();
  auto [rc, listing] = troupe::test::run_shell("export PATH='" + bin_dir + "':\"$PATH\"; " + *s.ls);
  EXPECT_EQ(rc, 0) << *s.ls << "\n" << listing;
  EXPECT_TRUE(lists(listing, "troupe")) << *s.ls << " printed:\n" << listing;

  // Ctrl-C: it stops and reaps every member before it exits, so each pid
  // is gone the moment we have reaped `troupe local` itself.
  local.signal(SIGINT);
  EXPECT_TRUE(local.wait_for_line("troupe local: stopping", 30s));
  EXPECT_EQ(local.wait(60s), std::optional<int>{0});
  for (auto pid : s.members)
    EXPECT_TRUE(gone(pid)) << "member pid " << pid << " outlived troupe local";
}

// "Data stays in --data-dir: a restart finds it again" (its --help): the
// second run's self-check overwrites the first run's znode (version 1).
TEST(Local, RestartFindsItsData) {
  troupe::test::temp_dir dir;
  for (int run = 0; run < 2; ++run) {
    child_process local{TROUPE_BINARY, {"local", "--data-dir", dir.sub("data"), "--log-level", "warn"}};
    auto s = read_startup(local, 60s);
    ASSERT_TRUE(s.waiting) << "run " << run << ": troupe local did not come up:\n" << s.out;
    ASSERT_TRUE(s.self_check) << s.out;
    EXPECT_EQ(s.self_check->rfind("wrote and read /troupe/local (version " + std::to_string(run) + ")", 0), 0u)
      << "run " << run << ": " << *s.self_check;
    local.signal(SIGINT);
    EXPECT_EQ(local.wait(60s), std::optional<int>{0}) << "run " << run;
  }
}
