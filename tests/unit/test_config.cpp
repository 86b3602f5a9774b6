// Node configuration: flags, TROUPE_* variables and config files, in that
// order of precedence, and clear errors for bad values.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include "troupe/runtime/config.hpp"

using namespace troupe::runtime;
using namespace std::chrono_literals;

namespace {

node_config parse(std::vector<std::string> args) {
  std::vector<const char*> argv{"node"};
  for (auto& a : args)
    argv.push_back(a.c_str());
  po::options_description desc;
  desc.add(node_options()).add(tuning_options()).add(logging_options());
  po::variables_map vm;
  if (!parse_options(static_cast<int>(argv.size()), argv.data(), desc, vm))
    throw std::logic_error("help");
  return read_node_config(vm);
}

std::string error_of(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST(Config, Durations) {
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("2s"), 2s);
  EXPECT_EQ(parse_duration("500us"), 500us);
  EXPECT_EQ(parse_duration("3m"), 180s);
  EXPECT_EQ(parse_duration("40"), 40ms);
  EXPECT_THROW(parse_duration("fast"), config_error);
  EXPECT_THROW(parse_duration("5 s"), config_error);
  EXPECT_THROW(parse_duration("1d"), config_error);
  EXPECT_THROW(parse_duration(""), config_error);
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(2s), "2s");
}

TEST(Config, Peers) {
  auto p = parse_peer("n2=10.0.0.2:4000");
  EXPECT_EQ(p.node, "n2");
  EXPECT_EQ(p.host, "10.0.0.2");
  EXPECT_EQ(p.port, 4000);
  EXPECT_THROW(parse_peer("n2"), config_error);
  EXPECT_THROW(parse_peer("n2=host"), config_error);
  EXPECT_THROW(parse_peer("n2=host:0"), config_error);
  EXPECT_THROW(parse_peer("n2=host:70000"), config_error);
  EXPECT_THROW(parse_peer("n 2=host:1"), config_error);
}

TEST(Config, FlagsAndDefaults) {
  auto cfg = parse({"--node", "n1", "--port", "4711", "--peer", "n2=127.0.0.1:4712",
                    "--peer=n3=127.0.0.1:4713", "--heartbeat-interval", "50ms"});
  EXPECT_EQ(cfg.name, "n1");
  EXPECT_EQ(cfg.port, 4711);
  ASSERT_EQ(cfg.peers.size(), 2u);
  EXPECT_EQ(cfg.peers[1].node, "n3");
  EXPECT_EQ(cfg.timing.heartbeat_interval, 50ms);
  EXPECT_EQ(cfg.timing.heartbeat_timeout, 500ms);
  EXPECT_EQ(cfg.tuning.scheduler, "sharing");
  EXPECT_EQ(cfg.log_level, troupe::log::level::info);
}

TEST(Config, BadValuesSayWhatIsWrong) {
  EXPECT_NE(error_of({}).find("missing --node"), std::string::npos);
  EXPECT_NE(error_of({"--node", "n1", "--peer", "n1=h:1"}).find("given twice"), std::string::npos);
  EXPECT_NE(error_of({"--node", "n1", "--peer", "n2=h:1", "--peer", "n2=h:2"}).find("given twice"),
            std::string::npos);
  EXPECT_NE(error_of({"--node", "n1", "--scheduler", "fifo"}).find("--scheduler"), std::string::npos);
  EXPECT_NE(error_of({"--node", "n1", "--port", "x"}).find("port"), std::string::npos);
  EXPECT_NE(error_of({"--node", "n1", "--nope"}).find("nope"), std::string::npos);
  EXPECT_NE(error_of({"--node", "n1", "--heartbeat-interval", "0ms"}).find("positive"), std::string::npos);
}

TEST(Config, PrecedenceFlagsThenEnvironmentThenFile) {
  char path[] = "/tmp/troupe-config-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  {
    std::ofstream out{path};
    out << "# a node\nnode = from-file\nport = 1000\nhost = 127.0.0.2\nlog-level = debug\n";
  }
  ::setenv("TROUPE_PORT", "2000", 1);
  ::setenv("TROUPE_HOST", "127.0.0.3", 1);
  auto cfg = parse({"--config", path, "--host", "127.0.0.4"});
  ::unsetenv("TROUPE_PORT");
  ::unsetenv("TROUPE_HOST");
  ::unlink(path);
  EXPECT_EQ(cfg.name, "from-file");            // only the file sets it
  EXPECT_EQ(cfg.port, 2000);                   // environment beats file
  EXPECT_EQ(cfg.host, "127.0.0.4");            // flag beats environment
  EXPECT_EQ(cfg.log_level, troupe::log::level::debug);
}

TEST(Config, BadConfigFileLineIsAnError) {
  char path[] = "/tmp/troupe-config-XXXXXX";
  int fd = ::mkstemp(path);
  ::close(fd);
  {
    std::ofstream out{path};
    out << "node = n1\nno-such-option = 3\n";
  }
  auto err = error_of({"--config", path});
  ::unlink(path);
  EXPECT_NE(err.find("no-such-option"), std::string::npos) << err;
}
