// Unit tests of troupe::metrics: metric math, quantiles, registry semantics,
// Prometheus text exposition and concurrent updates.
#include "troupe/runtime/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tm_ = troupe::metrics;

TEST(metrics_counter, increments) {
  tm_::counter c;
  EXPECT_EQ(c.value(), 0u);
  c.inc();
  c.inc(41);
  EXPECT_EQ(c.value(), 42u);
}

TEST(metrics_gauge, set_and_add) {
  tm_::gauge g;
  EXPECT_EQ(g.value(), 0.0);
  g.set(2.5);
  g.add(1.25);
  g.add(-4);
  EXPECT_DOUBLE_EQ(g.value(), -0.25);
}

TEST(metrics_histogram, buckets_use_le_semantics) {
  tm_::histogram h({1, 2, 4});
  for (double v : {0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 4.5, -1.0})
    h.observe(v);
  auto s = h.read();
  ASSERT_EQ(s.counts.size(), 4u);
  EXPECT_EQ(s.counts[0], 3u); // -1, 0.5, 1 (equal to bound stays in it)
  EXPECT_EQ(s.counts[1], 2u); // 1.5, 2
  EXPECT_EQ(s.counts[2], 2u); // 3, 4
  EXPECT_EQ(s.counts[3], 1u); // 4.5 -> +Inf
  EXPECT_EQ(s.count, 8u);
  EXPECT_DOUBLE_EQ(s.sum, 15.5);
  EXPECT_EQ(s.bounds, (std::vector<double>{1, 2, 4}));
}

TEST(metrics_histogram, ignores_nan_and_validates_bounds) {
  tm_::histogram h({1});
  h.observe(std::nan(""));
  EXPECT_EQ(h.read().count, 0u);
  EXPECT_THROW(tm_::histogram({2, 1}), std::invalid_argument);
  EXPECT_THROW(tm_::histogram({1, 1}), std::invalid_argument);
  // A trailing +Inf is the implicit bucket, not an extra one.
  tm_::histogram inf({1, INFINITY});
  EXPECT_EQ(inf.read().counts.size(), 2u);
}

TEST(metrics_histogram, quantiles_interpolate_within_bucket) {
  tm_::histogram h({1, 2, 4});
  EXPECT_EQ(h.read().quantile(0.5), 0.0); // empty
  for (double v : {0.5, 1.5, 1.5, 3.0})
    h.observe(v);
  auto s = h.read();
  EXPECT_DOUBLE_EQ(s.quantile(0.0), 0.0);  // lower edge of first bucket
  EXPECT_DOUBLE_EQ(s.quantile(0.25), 1.0); // rank 1: top of bucket (0,1]
  EXPECT_DOUBLE_EQ(s.quantile(0.5), 1.5);  // rank 2: halfway through (1,2]
  EXPECT_DOUBLE_EQ(s.quantile(0.75), 2.0);
  EXPECT_DOUBLE_EQ(s.quantile(1.0), 4.0);
  EXPECT_DOUBLE_EQ(s.quantile(0.875), 3.0); // rank 3.5: halfway through (2,4]

  tm_::histogram tail({1, 2});
  tail.observe(0.5);
  for (int i = 0; i < 9; ++i)
    tail.observe(100);
  EXPECT_DOUBLE_EQ(tail.read().quantile(0.99), 2.0); // +Inf -> last finite bound
}

TEST(metrics_histogram, bound_generators) {
  EXPECT_EQ(tm_::histogram::exponential(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_THROW(tm_::histogram::exponential(0, 2, 3), std::invalid_argument);
  EXPECT_THROW(tm_::histogram::exponential(1, 1, 3), std::invalid_argument);
  auto lat = tm_::histogram::latency_seconds();
  ASSERT_EQ(lat.size(), 21u);
  EXPECT_DOUBLE_EQ(lat.front(), 1e-5);
  EXPECT_NEAR(lat.back(), 10.48576, 1e-9);
  for (size_t i = 1; i < lat.size(); ++i)
    EXPECT_LT(lat[i - 1], lat[i]);
}

TEST(metrics_registry, same_object_for_same_name_and_labels) {
  tm_::registry reg;
  auto& a = reg.get_counter("reqs_total", "h", {{"role", "x"}, {"node", "n1"}});
  auto& b = reg.get_counter("reqs_total", "other help", {{"node", "n1"}, {"role", "x"}});
  auto& c = reg.get_counter("reqs_total", "h", {{"node", "n2"}, {"role", "x"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  a.inc(5);
  // References stay valid while many more children are added.
  for (int i = 0; i < 200; ++i)
    reg.get_counter("reqs_total", "h", {{"node", "m" + std::to_string(i)}});
  EXPECT_EQ(&reg.get_counter("reqs_total", "h", {{"role", "x"}, {"node", "n1"}}), &a);
  EXPECT_EQ(a.value(), 5u);

  auto& g1 = reg.get_gauge("g", "h");
  EXPECT_EQ(&g1, &reg.get_gauge("g", "h"));
  auto& h1 = reg.get_histogram("h_seconds", "h", {}, {1, 2});
  EXPECT_EQ(&h1, &reg.get_histogram("h_seconds", "h", {}, {5}));
  EXPECT_EQ(h1.read().bounds.size(), 2u); // existing child keeps its bounds
}

TEST(metrics_registry, rejects_invalid_names) {
  tm_::registry reg;
  for (const char* bad : {"", "1abc", "a-b", "a b", "é"})
    EXPECT_THROW(reg.get_counter(bad, "h"), std::invalid_argument) << bad;
  for (const char* good : {"a", "_x", ":x", "ns:sub_name_1"})
    EXPECT_NO_THROW(reg.get_counter(good, "h")) << good;

  for (const char* bad : {"", "__reserved", "1a", "a:b", "a-b"})
    EXPECT_THROW(reg.get_gauge("g", "h", {{bad, "v"}}), std::invalid_argument) << bad;
  EXPECT_NO_THROW(reg.get_gauge("g", "h", {{"_ok", "v"}, {"ok2", ""}}));
  EXPECT_THROW(reg.get_gauge("g", "h", {{"k", "a"}, {"k", "b"}}), std::invalid_argument);
  EXPECT_THROW(reg.get_histogram("hist", "h", {{"le", "1"}}), std::invalid_argument);
}

TEST(metrics_registry, rejects_kind_mismatch) {
  tm_::registry reg;
  reg.get_counter("x", "h").inc();
  EXPECT_THROW(reg.get_gauge("x", "h"), std::invalid_argument);
  EXPECT_THROW(reg.get_histogram("x", "h"), std::invalid_argument);
  EXPECT_THROW(reg.get_gauge("x", "h", {{"other", "labels"}}), std::invalid_argument);
  reg.get_histogram("y", "h", {}, {1});
  EXPECT_THROW(reg.get_counter("y", "h"), std::invalid_argument);
  // The failed lookups left the original family intact.
  EXPECT_EQ(reg.get_counter("x", "h").value(), 1u);
  EXPECT_EQ(reg.render_prometheus(),
            "# HELP x h\n# TYPE x counter\nx 1\n"
            "# HELP y h\n# TYPE y histogram\n"
            "y_bucket{le=\"1\"} 0\ny_bucket{le=\"+Inf\"} 0\ny_sum 0\ny_count 0\n");
}

TEST(metrics_registry, renders_prometheus_text) {
  tm_::registry reg;
  reg.get_counter("troupe_requests_total", "Requests handled.",
                  {{"role", "greeter"}, {"node", "n2"}})
    .inc();
  reg.get_counter("troupe_requests_total", "Requests handled.",
                  {{"role", "greeter"}, {"node", "n1"}})
    .inc(3);
  reg.get_gauge("troupe_peers", "Connected peers.").set(2);
  reg.get_gauge("troupe_load", "Load with \"quotes\", a \\ and a\nnewline",
                {{"path", "C:\\dir \"x\"\n"}})
    .set(0.25);
  auto& h = reg.get_histogram("troupe_rpc_seconds", "RPC latency.", {{"method", "get"}},
                              {0.25, 0.5, 1});
  for (double v : {0.125, 0.25, 0.75, 4.0})
    h.observe(v);

  const std::string expected =
    "# HELP troupe_load Load with \"quotes\", a \\\\ and a\\nnewline\n"
    "# TYPE troupe_load gauge\n"
    "troupe_load{path=\"C:\\\\dir \\\"x\\\"\\n\"} 0.25\n"
    "# HELP troupe_peers Connected peers.\n"
    "# TYPE troupe_peers gauge\n"
    "troupe_peers 2\n"
    "# HELP troupe_requests_total Requests handled.\n"
    "# TYPE troupe_requests_total counter\n"
    "troupe_requests_total{node=\"n1\",role=\"greeter\"} 3\n"
    "troupe_requests_total{node=\"n2\",role=\"greeter\"} 1\n"
    "# HELP troupe_rpc_seconds RPC latency.\n"
    "# TYPE troupe_rpc_seconds histogram\n"
    "troupe_rpc_seconds_bucket{method=\"get\",le=\"0.25\"} 2\n"
    "troupe_rpc_seconds_bucket{method=\"get\",le=\"0.5\"} 2\n"
    "troupe_rpc_seconds_bucket{method=\"get\",le=\"1\"} 3\n"
    "troupe_rpc_seconds_bucket{method=\"get\",le=\"+Inf\"} 4\n"
    "troupe_rpc_seconds_sum{method=\"get\"} 5.125\n"
    "troupe_rpc_seconds_count{method=\"get\"} 4\n";
  EXPECT_EQ(reg.render_prometheus(), expected);
}

TEST(metrics_registry, formats_numbers_compactly) {
  tm_::registry reg;
  auto value_of = [&](const char* name, double v) {
    reg.get_gauge(name, "h").set(v);
    auto text = reg.render_prometheus();
    auto line = std::string("\n") + name + " ";
    auto pos = text.find(line);
    EXPECT_NE(pos, std::string::npos);
    pos += line.size();
    return text.substr(pos, text.find('\n', pos) - pos);
  };
  EXPECT_EQ(value_of("a", 1234567), "1234567");
  EXPECT_EQ(value_of("b", -3), "-3");
  EXPECT_EQ(value_of("c", 0.1), "0.1");
  EXPECT_EQ(value_of("d", 1e-5), "1e-05");
  EXPECT_EQ(value_of("e", 1e20), "1e+20");
  EXPECT_EQ(value_of("f", INFINITY), "+Inf");
  EXPECT_EQ(value_of("g", -INFINITY), "-Inf");
  EXPECT_EQ(value_of("h", std::nan("")), "NaN");
  EXPECT_EQ(value_of("i", -0.0), "0");

  // Latency bounds render as short decimal text, not 17-digit noise.
  tm_::registry lat;
  lat.get_histogram("l", "h");
  auto text = lat.render_prometheus();
  EXPECT_NE(text.find("l_bucket{le=\"1e-05\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("l_bucket{le=\"0.00016\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("l_bucket{le=\"10.48576\"} 0\n"), std::string::npos) << text;
}

TEST(metrics_concurrency, parallel_updates_are_exact) {
  tm_::registry reg;
  constexpr int threads = 8, per_thread = 50000;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&reg] {
      // Lookups race with each other too; all must land on the same objects.
      auto& c = reg.get_counter("hits_total", "h", {{"k", "v"}});
      auto& g = reg.get_gauge("level", "h");
      auto& h = reg.get_histogram("obs", "h", {}, {0.5, 1});
      for (int i = 0; i < per_thread; ++i) {
        c.inc();
        g.add(0.5);
        h.observe(1.0);
      }
    });
  for (auto& t : ts)
    t.join();
  const uint64_t total = uint64_t{threads} * per_thread;
  EXPECT_EQ(reg.get_counter("hits_total", "h", {{"k", "v"}}).value(), total);
  EXPECT_DOUBLE_EQ(reg.get_gauge("level", "h").value(), 0.5 * total);
  auto s = reg.get_histogram("obs", "h").read();
  EXPECT_EQ(s.count, total);
  EXPECT_EQ(s.counts[1], total);
  EXPECT_DOUBLE_EQ(s.sum, double(total));
}
