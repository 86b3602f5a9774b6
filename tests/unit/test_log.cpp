// Unit tests of troupe::log: line format, quoting, filtering, clock and sink.
#include "troupe/runtime/log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace tl = troupe::log;

namespace {

// 2026-11-22T03:05:00.123456Z in ns since the epoch.
constexpr int64_t example_ns = 1795316700LL * 1000000000LL + 123456789LL;

// Installs a capturing sink and fixed clock; restores defaults afterwards so
// other tests keep the process-wide log untouched.
class log_capture : public ::testing::Test {
protected:
  void SetUp() override {
    saved_ = tl::threshold();
    tl::set_clock([] { return int64_t{1500000}; });
    tl::set_sink([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    tl::set_sink(nullptr);
    tl::set_clock(nullptr);
    tl::set_level(saved_);
  }
  std::vector<std::string> lines_;
  tl::level saved_ = tl::level::info;
};

} // namespace

TEST(log_format, matches_documented_example) {
  auto line = tl::format_line(example_ns, tl::level::info, "n1", "peer_link", "peer up",
                              {{"peer", "n2"}, {"rtt_us", 300}});
  EXPECT_EQ(line, "2026-11-22T03:05:00.123456Z INFO  [n1] peer_link: peer up peer=n2 rtt_us=300");
}

TEST(log_format, omits_empty_node_and_component) {
  EXPECT_EQ(tl::format_line(0, tl::level::error, "", "", "boom", {}),
            "1970-01-01T00:00:00.000000Z ERROR boom");
  EXPECT_EQ(tl::format_line(0, tl::level::warn, "n3", "", "m", {}),
            "1970-01-01T00:00:00.000000Z WARN  [n3] m");
  EXPECT_EQ(tl::format_line(0, tl::level::debug, "", "dir", "m", {}),
            "1970-01-01T00:00:00.000000Z DEBUG dir: m");
  EXPECT_EQ(tl::format_line(0, tl::level::trace, "", "", "m", {}),
            "1970-01-01T00:00:00.000000Z TRACE m");
}

TEST(log_format, virtual_time_and_dates) {
  EXPECT_EQ(tl::format_line(1500000, tl::level::info, "", "", "x", {}),
            "1970-01-01T00:00:00.001500Z INFO  x");
  // Leap day and end of year exercise the civil-date conversion.
  EXPECT_EQ(tl::format_line(951782400LL * 1000000000LL, tl::level::info, "", "", "x", {}),
            "2000-02-29T00:00:00.000000Z INFO  x");
  EXPECT_EQ(tl::format_line(1704067199LL * 1000000000LL + 999999999LL, tl::level::info, "",
                            "", "x", {}),
            "2023-12-31T23:59:59.999999Z INFO  x");
  // Before the epoch rounds down, not towards zero.
  EXPECT_EQ(tl::format_line(-1000, tl::level::info, "", "", "x", {}),
            "1969-12-31T23:59:59.999999Z INFO  x");
}

TEST(log_format, quotes_and_escapes_values) {
  auto line = tl::format_line(0, tl::level::info, "", "", "m",
                              {{"plain", "abc"},
                               {"space", "a b"},
                               {"eq", "a=b"},
                               {"empty", ""},
                               {"quote", "say \"hi\""},
                               {"bs", "c:\\x y"},
                               {"nl", "one\ntwo"}});
  EXPECT_EQ(line, "1970-01-01T00:00:00.000000Z INFO  m plain=abc space=\"a b\" eq=\"a=b\" "
                  "empty=\"\" quote=\"say \\\"hi\\\"\" bs=\"c:\\\\x y\" nl=\"one\\ntwo\"");
  // A lone backslash needs no quoting.
  EXPECT_EQ(tl::format_line(0, tl::level::info, "", "", "m", {{"p", "a\\b"}}),
            "1970-01-01T00:00:00.000000Z INFO  m p=a\\b");
}

TEST(log_format, numbers_and_bools) {
  auto line = tl::format_line(0, tl::level::info, "", "", "m",
                              {{"i", -7}, {"u", uint64_t{18446744073709551615ULL}},
                               {"t", true}, {"f", false}});
  EXPECT_EQ(line, "1970-01-01T00:00:00.000000Z INFO  m i=-7 u=18446744073709551615 t=true "
                  "f=false");
}

TEST(log_format, newline_in_message_stays_on_one_line) {
  auto line = tl::format_line(0, tl::level::info, "", "", "a\nb", {});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line, "1970-01-01T00:00:00.000000Z INFO  a\\nb");
}

TEST(log_level, parse_and_name) {
  EXPECT_EQ(tl::parse_level("trace"), tl::level::trace);
  EXPECT_EQ(tl::parse_level("DEBUG"), tl::level::debug);
  EXPECT_EQ(tl::parse_level("Info"), tl::level::info);
  EXPECT_EQ(tl::parse_level("warn"), tl::level::warn);
  EXPECT_EQ(tl::parse_level("WARNING"), tl::level::warn);
  EXPECT_EQ(tl::parse_level("error"), tl::level::error);
  EXPECT_EQ(tl::parse_level("oFf"), tl::level::off);
  EXPECT_EQ(tl::parse_level(""), std::nullopt);
  EXPECT_EQ(tl::parse_level("verbose"), std::nullopt);
  EXPECT_EQ(tl::parse_level("info "), std::nullopt);
  for (auto l : {tl::level::trace, tl::level::debug, tl::level::info, tl::level::warn,
                 tl::level::error, tl::level::off})
    EXPECT_EQ(tl::parse_level(tl::level_name(l)), l);
}

TEST_F(log_capture, info_threshold_enables_info_and_above) {
  tl::set_level(tl::level::info);
  EXPECT_EQ(tl::threshold(), tl::level::info);
  EXPECT_FALSE(tl::enabled(tl::level::debug));
  EXPECT_TRUE(tl::enabled(tl::level::info));
  EXPECT_FALSE(tl::enabled(tl::level::off));
}

TEST_F(log_capture, filters_by_level_and_writes_whole_lines) {
  tl::set_level(tl::level::warn);
  tl::logger lg("n1", "comp");
  lg.debug("hidden");
  lg.info("hidden too");
  lg.warn("shown", {{"k", 1}});
  lg.error("also shown");
  tl::write(tl::level::info, "n9", "x", "direct but filtered");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[0], "1970-01-01T00:00:00.001500Z WARN  [n1] comp: shown k=1\n");
  EXPECT_EQ(lines_[1], "1970-01-01T00:00:00.001500Z ERROR [n1] comp: also shown\n");

  tl::set_level(tl::level::trace);
  lg.trace("now visible");
  ASSERT_EQ(lines_.size(), 3u);
  EXPECT_EQ(lines_[2], "1970-01-01T00:00:00.001500Z TRACE [n1] comp: now visible\n");

  tl::set_level(tl::level::off);
  lg.error("silenced");
  tl::write(tl::level::off, "", "", "never");
  EXPECT_EQ(lines_.size(), 3u);
}

TEST_F(log_capture, clock_and_sink_can_be_restored) {
  tl::set_level(tl::level::info);
  tl::set_clock(nullptr); // wall clock: a year after 2020 for sure
  tl::logger("", "").info("wall");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_GE(lines_[0].substr(0, 4), "2020");

  std::vector<std::string> other;
  tl::set_sink([&](std::string_view l) { other.emplace_back(l); });
  tl::logger().info("elsewhere");
  EXPECT_EQ(lines_.size(), 1u);
  EXPECT_EQ(other.size(), 1u);
  tl::set_sink(nullptr);
  tl::set_level(tl::level::off); // keep stderr quiet for the rest of the test
  tl::logger().error("to stderr, filtered");
  EXPECT_EQ(other.size(), 1u);
}

TEST_F(log_capture, concurrent_writers_never_interleave) {
  tl::set_level(tl::level::info);
  constexpr int threads = 4, per_thread = 200;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([t] {
      tl::logger lg("n" + std::to_string(t), "worker");
      for (int i = 0; i < per_thread; ++i)
        lg.info("tick", {{"i", i}});
    });
  for (auto& t : ts)
    t.join();
  ASSERT_EQ(lines_.size(), size_t{threads * per_thread});
  for (const auto& l : lines_) {
    EXPECT_EQ(l.find('\n'), l.size() - 1);
    EXPECT_NE(l.find("worker: tick i="), std::string::npos);
  }
}
