// A node's HTTP endpoint: Prometheus metrics, health and status for operators.
#include <gtest/gtest.h>

#include "process_fixture.hpp"
#include "troupe/runtime/http_endpoint.hpp"

using namespace std::chrono_literals;

TEST(Http, MetricsHealthAndStatus) {
  auto p1 = troupe::runtime::pick_free_port(), p2 = troupe::runtime::pick_free_port();
  auto n2 = troupe::test::start_troupe_node("n2", p2, {"n1=127.0.0.1:" + std::to_string(p1)});
  ASSERT_TRUE(n2);
  troupe::runtime::child_process n1{
    TROUPE_BINARY,
    {"node", "--node", "n1", "--port", std::to_string(p1), "--http-port", "0", "--peer",
     "n2=127.0.0.1:" + std::to_string(p2), "--log-level", "warn"}};
  auto http = n1.wait_for_line("http 127.0.0.1:", 10s);
  ASSERT_TRUE(http);
  ASSERT_TRUE(n1.wait_for_line("listening ", 10s));
  auto port = static_cast<uint16_t>(std::stoi(*http));

  auto health = troupe::runtime::http_request(port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(health.rfind("HTTP/1.1 200 OK", 0), 0u) << health;
  EXPECT_NE(health.find("ok n1"), std::string::npos);

  // The link to n2 comes up within a few heartbeats; the status shows it.
  std::string status;
  for (int i = 0; i < 100 && status.find("peer n2 127.0.0.1:" + std::to_string(p2) + " up") == std::string::npos; ++i) {
    status = troupe::runtime::http_request(port, "GET /status HTTP/1.0\r\n\r\n");
    if (status.find(" up rtt_us=") == std::string::npos)
      n1.wait(20ms); // paces the polling of a real process
  }
  EXPECT_NE(status.find("peer n2 127.0.0.1:" + std::to_string(p2) + " up rtt_us="), std::string::npos)
    << status;

  auto metrics = troupe::runtime::http_request(port, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_NE(metrics.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(metrics.find("# TYPE troupe_peer_up gauge"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("troupe_peer_up{peer=\"n2\"} 1"), std::string::npos) << metrics;

  EXPECT_EQ(troupe::runtime::http_request(port, "GET /nope HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(troupe::runtime::http_request(port, "POST /metrics HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_EQ(troupe::runtime::http_request(port, "garbage\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  // The node survived all of it.
  EXPECT_EQ(troupe::runtime::http_request(port, "GET /health HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
}
